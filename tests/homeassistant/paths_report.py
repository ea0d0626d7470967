"""The three-path benchmark's figures: one turn's marks and stages, and the summary per path and clip.

Marks are monotonic nanoseconds. The satellite's come from its timing log (the same three for
every path): ``transcript`` (it heard what the server or Home Assistant transcribed),
``reply-audio-start`` (the reply's audio began to arrive) and ``playback-started`` (its first
sample was written to the speaker: the figure). Aria's path adds Aria's server spans
(``aria_bench.turn.STAGES``); Home Assistant's paths add the pipeline run's events
(``assist_pipeline/pipeline_debug``, wall-clock ISO times put on the monotonic clock).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from aria_bench.report import format_table
from aria_bench.stats import median, p95
from aria_bench.turn import STAGES, ClipRun

SATELLITE_STAGES = (
    ("heard", "end_of_speech", "transcript"),
    ("reply", "transcript", "reply-audio-start"),
    ("play", "reply-audio-start", "playback-started"),
)
"""(name, from, to) on the satellite's clock, for every path."""
HA_STAGES = (
    ("endpoint", "end_of_speech", "stt-vad-end"),
    ("stt", "stt-vad-end", "stt-end"),
    ("agent", "stt-end", "intent-end"),
    ("tts", "intent-end", "tts-end"),
    ("to satellite", "tts-end", "reply-audio-start"),
    ("to speaker", "reply-audio-start", "playback-started"),
)
"""Home Assistant's pipeline events between the end of speech and the satellite's reply audio."""


@dataclass
class PathRun:
    """One turn through one path."""

    path: str
    kind: str
    first_audio_ms: float | None = None
    """the figure: end of speech -> first reply sample written by the satellite."""
    reply_end_ms: float | None = None
    satellite_ms: dict[str, float] = field(default_factory=dict)
    stages_ms: dict[str, float] = field(default_factory=dict)
    """Aria's server spans (aria-wyoming) or Home Assistant's pipeline events (ha-*)."""
    transcript: str = ""
    reply: str = ""
    error: str | None = None


def _spans(stages: Sequence[tuple[str, str, str]], marks: dict[str, int]) -> dict[str, float]:
    return {name: (marks[end] - marks[start]) / 1e6 for name, start, end in stages if start in marks and end in marks}


def _ha_marks(events: list[dict[str, Any]]) -> dict[str, int]:
    """The first of each pipeline event, on the monotonic clock (Home Assistant stamps wall-clock time)."""
    offset_ns = time.time_ns() - time.monotonic_ns()
    marks: dict[str, int] = {}
    for event in events:
        wall_ns = int(datetime.fromisoformat(event["timestamp"]).timestamp() * 1e9)
        marks.setdefault(event["type"], wall_ns - offset_ns)
    return marks


def path_run(path: str, result: ClipRun, log: list[dict[str, Any]], ha_runs: list[list[dict[str, Any]]]) -> PathRun:
    """One turn's figures from ``TurnBench.run_clip``'s result, the satellite's timing log and
    (Home Assistant's paths) the pipeline runs Home Assistant made meanwhile."""
    first = {record["event"]: record["t_ns"] for record in reversed(log)}
    marks = {name: first[name] for name in ("transcript", "reply-audio-start", "playback-started") if name in first}
    marks["end_of_speech"] = first["mic-file-start"] + int(result.end_of_speech_s * 1e9)
    run = PathRun(
        path, result.kind or result.clip, result.first_audio_ms, result.reply_end_ms, _spans(SATELLITE_STAGES, marks),
        dict(result.stages_ms), result.transcript, result.reply, result.error,
    )
    if path.startswith("ha-"):
        if len(ha_runs) != 1:
            run.error = f"{len(ha_runs)} pipeline runs in Home Assistant for one turn"
        else:
            run.stages_ms = _spans(HA_STAGES, {**_ha_marks(ha_runs[0]), **marks})
            run.reply = _reply_of(ha_runs[0])
            errors = [e["data"].get("code") for e in ha_runs[0] if e["type"] == "error"]
            run.error = run.error or (f"pipeline error {errors}" if errors else None)
    if run.first_audio_ms is None:
        run.error = run.error or "no reply audio played"
    return run


def _reply_of(events: list[dict[str, Any]]) -> str:
    for event in events:
        if event["type"] == "intent-end":
            speech = event["data"]["intent_output"]["response"].get("speech", {})
            return str(speech.get("plain", {}).get("speech", ""))
    return ""


def _ms(values: Sequence[float]) -> str:
    return f"{median(values):.0f} / {p95(values):.0f}" if values else "-"


def _medians(runs: Sequence[PathRun], attribute: str, names: Sequence[str]) -> dict[str, float]:
    out = {}
    for name in names:
        values = [getattr(run, attribute)[name] for run in runs if name in getattr(run, attribute)]
        if values:
            out[name] = median(values)
    return out


def summary(runs: list[PathRun]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per path and kind of clip: n, failures, median and p95 of the figure, stage medians."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path in dict.fromkeys(run.path for run in runs):
        for kind in dict.fromkeys(run.kind for run in runs if run.path == path):
            every = [run for run in runs if run.path == path and run.kind == kind]
            good = [run for run in every if run.error is None and run.first_audio_ms is not None]
            values = [run.first_audio_ms for run in good if run.first_audio_ms is not None]
            stage_names = [s[0] for s in (HA_STAGES if path.startswith("ha-") else STAGES)]
            out.setdefault(path, {})[kind] = {
                "n": len(good), "failed": len(every) - len(good),
                "median_ms": median(values) if values else None, "p95_ms": p95(values) if values else None,
                "satellite_ms": _medians(good, "satellite_ms", [s[0] for s in SATELLITE_STAGES]),
                "stages_ms": _medians(good, "stages_ms", stage_names),
            }
    return out


def _table(summarized: dict[str, dict[str, dict[str, Any]]]) -> str:
    headers = ["path", "clip", "n", "failed", "first audio ms (med / p95)", *[s[0] for s in SATELLITE_STAGES]]
    rows = []
    for path, kinds in summarized.items():
        for kind, row in kinds.items():
            first = "-" if row["median_ms"] is None else f"{row['median_ms']:.0f} / {row['p95_ms']:.0f}"
            split = [f"{row['satellite_ms'][s[0]]:.0f}" if s[0] in row["satellite_ms"] else "-" for s in SATELLITE_STAGES]
            rows.append([path, kind, str(row["n"]), str(row["failed"]), first, *split])
    return format_table(headers, rows, "llrrr" + "r" * len(SATELLITE_STAGES))


def report(
    release: str, runs: list[PathRun], impossible: dict[str, str], args: argparse.Namespace, load_before: tuple[float, ...]
) -> dict[str, Any]:
    """The JSON data, with the printed text under ``text``."""
    summarized = summary(runs)
    load_after = os.getloadavg()
    lines = [
        f"End of speech -> first reply audio at the satellite, Home Assistant {release}: "
        f"{args.repeats} pass(es) x {len(set(r.kind for r in runs))} clips per path, {args.warmup} warm-up turn(s) per path",
        f"load average (1/5/15 min): before {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"after {'/'.join(f'{v:.2f}' for v in load_after)} ({os.cpu_count()} cores)", "",
        _table(summarized), "",
        "end of speech: the clip's last voiced sample (-40 dBFS, 10 ms windows) on the satellite's microphone clock,",
        "the same for every path; first audio: the satellite wrote the reply's first sample to its speaker.",
        "satellite split (medians, ms): heard = end of speech -> the transcript reached the satellite;",
        "reply = -> the reply's audio began to arrive; play = -> its first sample on the speaker.",
        "stages (medians, ms): aria-wyoming: Aria's server spans (aria-bench turn); ha-*: Home Assistant's pipeline",
        "events (endpoint = -> stt-vad-end, stt = -> stt-end, agent = -> intent-end, tts = -> tts-end, to satellite =",
        "-> reply audio at the satellite, to speaker = -> playing; a negative stage: streamed, the next began first).",
        "Home Assistant ends the turn on its own VAD (0.7 s of silence at its default sensitivity), then has Aria",
        "transcribe what it sent; its tts-end hands out the reply's URL or stream, so Aria's synthesis may fall in",
        "'to satellite' (the ESPHome satellite fetches the URL from Home Assistant; over Wyoming Home Assistant streams it).",
    ]
    for path, kinds in summarized.items():
        for kind, row in kinds.items():
            stages = ", ".join(f"{name} {value:.0f}" for name, value in row["stages_ms"].items())
            lines.append(f"  {path} {kind}: {stages or '-'}")
    lines += [f"{path}: NOT RUN: {why}" for path, why in impossible.items()]
    failed = [run for run in runs if run.error is not None]
    lines += [f"failed: {run.path} {run.kind}: {run.error}" for run in failed]
    firsts: dict[tuple[str, str], PathRun] = {}
    for run in runs:
        firsts.setdefault((run.path, run.kind), run)
    lines += ["", *[f"{run.path} {run.kind}: {run.transcript!r} -> {run.reply!r}" for run in firsts.values()]]
    text = "\n".join(lines)
    return {
        "release": release, "load_before": load_before, "load_after": load_after, "repeats": args.repeats,
        "summary": summarized, "impossible": impossible, "runs": [asdict(run) for run in runs], "text": text,
    }
