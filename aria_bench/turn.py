"""``aria-bench turn``: end of speech -> first reply audio written at a satellite, and -> end of reply.

For each clip a real ``aria-satellite --wake-word none --mic-file CLIP --snd-file OUT`` runs
against the server; the clip starts playing when the server runs the satellite. The end of
speech is the clip's last voiced sample (from the file), put on the monotonic clock through
the satellite's ``mic-file-start`` record; the first reply audio is its ``playback-started``
record and the end of the reply its ``played`` record. The server's spans of the same turn
(``GET /satellites``, same clock) break the time down by stage, and the stored turn's source
(``GET /conversations/{id}``) sorts the requests into local intents and language-model ones.

Cut-offs: a turn that ended before the user had finished (``cutoff``: the server's end of turn
came before the clip's last speech, or the transcript misses the words after the clip's pause)
is counted per kind and left out of the latency figures (its "reply" answers half a sentence).
The kind of a turn is the manifest's (``--clips paused``, the endpointing set: ``paused-local``,
``llm`` ...) or, without one, what answered it (local intent / language model). WER is the
first transcript's against the reference.

``--start-server`` starts ``aria-server`` itself (Wyoming port from ``--uri``, 0 for any; a
fresh data directory; ``--server-arg`` adds options). Without it, the server at ``--uri`` must
have been started with ``--satellite tcp://127.0.0.1:SATELLITE_PORT`` and ``--http`` names its API.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from . import turn_scenarios
from .children import Child, records, wait_record
from .clips import BUNDLED_MANIFEST, Clip, last_voiced_s, load_manifest, manifest_path, read_pcm16k
from .cpu import CpuWatch, describe, measured
from .cutoff import cut_off
from .errors import BenchError
from .report import BenchReport
from .stats import median, p95
from .wer import WordErrors, corpus_wer, score

HELP = "end of speech -> first reply audio at a real aria-satellite (--mic-file), per stage and kind; cut-offs, WER"

STAGES = (
    ("endpoint", "end_of_speech", "vad_end"),
    ("stt", "vad_end", "stt_done"),
    ("llm", "stt_done", "first_token"),
    ("clause", "first_token", "first_clause"),
    ("tts", "first_clause", "first_audio_out"),
    ("to speaker", "first_audio_out", "playback_start"),
)
"""Columns of the breakdown: (name, from mark, to mark)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``aria-bench turn``."""
    parser.add_argument("--clips", type=manifest_path, default=BUNDLED_MANIFEST,
                        help="clip manifest, or 'bundled' (default), 'paused' (the endpointing set: pauses mid-sentence) or 'questions' (4 local intents, 6 questions for the language model)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument("--start-server", action="store_true", help="start aria-server (port from --uri; 0: any)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="OPTION",
                        help="extra aria-server option with --start-server, e.g. --server-arg=--llm-backend=none")
    parser.add_argument("--satellite-port", type=int, default=0,
                        help="port of the benchmark's satellite (0: any; fix it when the server is already running)")
    parser.add_argument("--http", default=None, help="the server's HTTP API for spans (found by --start-server)")
    parser.add_argument("--clip-passes", type=int, default=None, metavar="N",
                        help="passes over the clips (default: --repeats; 0 to run only the scenarios below)")
    parser.add_argument("--barge-in", type=int, default=0, metavar="N",
                        help="also N barge-in trials: speech while the reply plays -> playback stopped")
    parser.add_argument("--load", default=None, metavar="IDLE,TALKING",
                        help="also IDLE satellites in silence + TALKING asking at once on a fresh server (--start-server)")


@dataclass
class ClipRun:
    """One clip through the satellite."""

    clip: str
    reference: str
    end_of_speech_s: float
    kind: str | None = None
    """the manifest's kind of turn (None: sorted by ``source``)"""
    transcript: str = ""
    reply: str = ""
    source: str = "unknown"
    first_audio_ms: float | None = None
    reply_end_ms: float | None = None
    stages_ms: dict[str, float] = field(default_factory=dict)
    other_cores: float | None = None
    """CPU cores that other programs used during this clip (a shared machine disturbs timings)."""
    stt: dict[str, Any] = field(default_factory=dict)
    """the server's STT timings of the turn: decode ms, and whether the speculative decode was used."""
    turn_end_ms: float | None = None
    """end of speech -> the server's end of turn (its VAD end; else the satellite stopping its
    stream on the transcript); negative when the turn ended before the user had finished."""
    cut_off: str | None = None
    """why the turn counts as cut off (``cutoff.cut_off``), None when it heard the whole utterance"""
    word_errors: int = 0
    words: int = 0
    speculation: str | None = None
    """what became of the reply started at the pause (hit, miss, cancelled, unused; None: none started)."""
    error: str | None = None


def _write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(pcm)


class TurnBench:
    """Runs clips one by one through a fresh satellite each, against one server."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.port = args.satellite_port
        self.http: str | None = args.http
        self.server: Child | None = None
        self.count = 0

    async def start_satellite(
        self, clip_wav: Path, name: str, port: int | None = None, wake: str = "none"
    ) -> tuple[Child, Path, Path]:
        """A satellite hearing ``clip_wav``; without ``port``, the clips' satellite port (kept)."""
        log, out = self.work / f"{name}.jsonl", self.work / f"{name}.wav"
        child = await Child.start(
            sys.executable, "-m", "aria_satellite", "--name", name, "--host", "127.0.0.1",
            "--port", str(self.port if port is None else port), "--no-zeroconf", "--no-esphome", "--wake-word", wake,
            "--mic-file", str(clip_wav), "--snd-file", str(out), "--timing-log", str(log),
        )
        ready = await wait_record(log, child, "ready", 60)
        if port is None:
            self.port = int(ready["port"])
        return child, log, out

    async def start_server(self, ports: Sequence[int] = ()) -> None:
        """Start aria-server for the satellite ports given (default: the clips' satellite)."""
        port = urlsplit(self.args.uri).port or 0
        data = self.work / f"server-data-{time.monotonic_ns()}"
        satellites = [f"--satellite=tcp://127.0.0.1:{p}" for p in (ports or [self.port])]
        self.server = await Child.start(
            sys.executable, "-m", "aria_server", "--data-dir", str(data), "--no-zeroconf", "--wyoming-port", str(port),
            "--http-port", "0", *satellites, *self.args.server_arg,
        )
        await self.server.wait_line(r"Aria is ready", 300)
        match = re.search(r"HTTP API on (http://\S+)", "\n".join(self.server.lines))
        self.http = self.http or (match.group(1) if match else None)

    async def run_clip(self, clip: Clip) -> ClipRun:
        pcm = read_pcm16k(clip.path)
        padded = bytes(int(0.3 * 16_000) * 2) + pcm
        self.count += 1
        name = f"bench-{self.count}"
        wav = self.work / f"{name}-mic.wav"
        _write_wav(wav, padded)
        result = ClipRun(clip.name, clip.reference, last_voiced_s(padded), kind=clip.kind)
        child, log, _ = await self.start_satellite(wav, name)
        try:
            if self.args.start_server and self.server is None:
                await self.start_server()
            # A cut-off turn's reply may be interrupted by the rest of the sentence (barge-in):
            # the first reply's end, played whole or not, ends this clip.
            played = await wait_record(log, child, "played", self.args.timeout, any_completion=True)
        finally:
            await child.stop()
        by_event = {record["event"]: record for record in reversed(records(log))}
        end_ns = by_event["mic-file-start"]["t_ns"] + int(result.end_of_speech_s * 1e9)
        result.transcript = by_event.get("transcript", {}).get("text", "")
        if "playback-started" in by_event:
            result.first_audio_ms = (by_event["playback-started"]["t_ns"] - end_ns) / 1e6
        result.reply_end_ms = (played["t_ns"] - end_ns) / 1e6
        if "streaming-stopped" in by_event:
            result.turn_end_ms = (by_event["streaming-stopped"]["t_ns"] - end_ns) / 1e6
        await self._server_side(result, name, end_ns)
        errors = score(clip.reference, result.transcript)
        result.word_errors, result.words = errors.errors, errors.words
        result.cut_off = cut_off(clip.words_after_pause, result.transcript, result.turn_end_ms)
        return result

    async def _server_side(self, result: ClipRun, name: str, end_ns: int) -> None:
        """Spans of the turn and the source of its answer, from the HTTP API when there is one."""
        if self.http is None:
            return
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
                async with http.get(f"{self.http}/satellites") as response:
                    rows = (await response.json())["satellites"]
                turn = next((row["last_turn"] for row in rows if row["name"] == name), None) or {}
                conversation = turn.get("conversation_id")
                if conversation:
                    async with http.get(f"{self.http}/conversations/{quote(conversation)}") as response:
                        turns = (await response.json()).get("turns", [])
                    result.source = turns[-1]["source"] if turns else "unknown"
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as err:
            result.error = f"spans unavailable: {err!r}"
            return
        marks = dict(turn.get("marks_ns", {}), end_of_speech=end_ns)
        result.reply = turn.get("reply", "")
        result.stt = dict(turn.get("stt", {}))
        result.speculation = turn.get("speculation")
        for stage, start, end in STAGES:
            if start in marks and end in marks:
                result.stages_ms[stage] = (marks[end] - marks[start]) / 1e6
        if "vad_end" in marks:  # the server's own end of turn: earlier than the satellite hears of it
            result.turn_end_ms = (marks["vad_end"] - end_ns) / 1e6


def _kind(run: ClipRun) -> str:
    if run.kind:
        return run.kind
    return {"intent": "local intent", "llm": "language model", "fallback": "language model"}.get(run.source, run.source)


def _ms(values: Sequence[float]) -> str:
    return f"{median(values):.0f} / {p95(values):.0f}" if values else "-"


def summarize(runs: list[ClipRun]) -> tuple[list[str], list[list[str]]]:
    """One row per kind of request: cut-offs, medians and p95 of both latencies (turns heard whole),
    WER, stage medians."""
    headers = ["requests", "n", "cut off", "first audio ms (med / p95)", "reply end ms (med / p95)", "WER",
               *[s[0] for s in STAGES]]
    rows = []
    for kind in sorted({_kind(run) for run in runs}):
        every = [run for run in runs if _kind(run) == kind]
        group = [run for run in every if run.first_audio_ms is not None and run.cut_off is None]
        stages = [
            f"{median(values):.0f}" if (values := [r.stages_ms[s] for r in group if s in r.stages_ms]) else "-"
            for s, _, _ in STAGES
        ]
        wer = corpus_wer(WordErrors(r.word_errors, r.words) for r in every)
        rows.append([
            kind, str(len(every)), f"{sum(r.cut_off is not None for r in every)}",
            _ms([r.first_audio_ms for r in group if r.first_audio_ms is not None]),
            _ms([r.reply_end_ms for r in group if r.reply_end_ms is not None]), f"{wer:.3f}", *stages,
        ])
    return headers, rows


def cut_off_notes(runs: list[ClipRun]) -> list[str]:
    """One line per cut-off turn: which clip, why, what was heard."""
    cut = [run for run in runs if run.cut_off is not None]
    lines = [f"cut off: {len(cut)} of {len(runs)} turns (left out of the latency columns)"]
    for run in cut:
        ended = f", turn ended {run.turn_end_ms:+.0f} ms from the end of speech" if run.turn_end_ms is not None else ""
        lines.append(f"  {run.clip}: {run.cut_off}{ended}; heard {run.transcript!r}")
    return lines


async def run(args: argparse.Namespace) -> BenchReport:
    """Warm-up clips, then ``--repeats`` passes over the clips."""
    clips = load_manifest(args.clips, args.limit)
    passes = args.repeats if args.clip_passes is None else args.clip_passes
    if args.load and not args.start_server:
        raise BenchError("--load needs --start-server (the server must know every satellite's address)")
    scenarios: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="aria-bench-turn-") as tmp:
        bench = TurnBench(args, Path(tmp))
        runs: list[ClipRun] = []
        retries = 0
        try:
            for _ in range(args.warmup if passes else 0):
                await bench.run_clip(clips[0])
            # Everything this benchmark runs (server, satellites) is a child of this process, so
            # "other" CPU is what the rest of the machine did meanwhile (our own few ms count twice).
            watch = CpuWatch.create(os.getpid())
            for _ in range(passes):
                for clip in clips:
                    run, other, retried = await measured(watch, args.max_other_cpu, partial(bench.run_clip, clip))
                    run.other_cores = other
                    retries += retried
                    runs.append(run)
            if args.barge_in:
                scenarios["barge_in"] = await turn_scenarios.barge_in(bench, args.barge_in)
            if args.load:
                idle, talking = (int(n) for n in args.load.split(","))
                if bench.server is not None:
                    await bench.server.stop()
                    bench.server = None
                scenarios["load"] = await turn_scenarios.load(bench, idle, talking, clips[0].path)
        finally:
            if bench.server is not None:
                await bench.server.stop()
    headers, rows = summarize(runs)
    notes = [
        *cut_off_notes(runs),
        *_speculation_notes(runs),
        *_transcript_notes(runs),
        "first audio: the clip's last voiced sample -> the first reply sample written by the satellite;",
        "reply end: -> the satellite finished playing the reply (real-time playback).",
        "stages (medians, ms): endpoint = end of speech -> VAD end of turn; stt = -> transcript;",
        "llm = -> first token; clause = -> first clause complete; tts = -> first audio sent; to speaker = -> playing.",
    ]
    transcripts = [f"{run.clip}: {run.transcript!r} -> {run.reply!r} ({run.source})" for run in runs[: len(clips)]]
    return BenchReport(
        title=f"aria-bench turn: {len(runs)} turns, {len(clips)} clips x {passes}",
        headers=headers, rows=rows,
        notes=[*notes, *filter(None, [describe([r.other_cores for r in runs], retries)]), *_scenario_notes(scenarios),
               "", *transcripts],
        data={"runs": [asdict(run) for run in runs], "cut_off": sum(r.cut_off is not None for r in runs),
              "kinds": {row[0]: {"n": int(row[1]), "cut_off": int(row[2])} for row in rows}, **scenarios},
    )


def _transcript_notes(runs: list[ClipRun]) -> list[str]:
    """Per kind of request: which decode made the transcript (the first pass on a whole request
    that ended the turn early, the first pass at the turn's last pause, or the full 30 s decode)."""
    notes = []
    for kind in sorted({_kind(run) for run in runs}):
        made = [
            "whole request" if run.stt.get("first_pass") else "first pass" if run.stt.get("at_pause") else "full"
            for run in runs if _kind(run) == kind and run.stt
        ]
        counts = ", ".join(f"{name} {made.count(name)}" for name in sorted(set(made)))
        notes.append(f"transcripts, {kind}: {counts or 'none'}")
    return notes


def _speculation_notes(runs: list[ClipRun]) -> list[str]:
    """Per kind of request: how many replies were started at the pause, and what became of them."""
    notes = []
    for kind in sorted({_kind(run) for run in runs}):
        outcomes = [run.speculation or "none" for run in runs if _kind(run) == kind]
        counts = ", ".join(f"{name} {outcomes.count(name)}" for name in sorted(set(outcomes)))
        notes.append(f"speculative replies, {kind}: {counts}")
    return notes


def _scenario_notes(scenarios: dict[str, Any]) -> list[str]:
    notes = []
    if "barge_in" in scenarios:
        valid = [t["stop_ms"] for t in scenarios["barge_in"] if t["valid"]]
        notes.append(
            f"barge-in: speech onset -> playback stopped {_ms(valid)} ms (med / p95) in {len(valid)} of "
            f"{len(scenarios['barge_in'])} trials (+ at most 80 ms already handed to the speaker)"
        )
    if "load" in scenarios:
        load = scenarios["load"]
        first = [t["first_audio_ms"] for t in load["turns"]]
        notes.append(
            f"load: {load['idle']} idle + {load['talking']} talking satellites: {len(load['turns'])} replies played, "
            f"{len(load['failed_turns'])} failed, {load['satellites_exited']} satellites exited, "
            f"{len(load['server_errors'])} server errors; first audio {_ms(first)} ms (med / p95)"
        )
    return notes
