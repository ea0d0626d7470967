"""``aria-bench ws``: the browser's ``/ws`` as a user feels it.

Typed turns: clock from sending ``{"type": "text"}`` to the first binary reply-audio frame.
Spoken turns: a clip is streamed as a microphone would, one 512-sample frame every 32 ms
(``--fast`` sends as fast as the server accepts), followed by silence; the clock starts at
the end of speech (the moment the clip's last voiced frame is sent) and stops at the first
binary reply-audio frame. The turn ends by the server's own endpointing (``--end vad``, the
hands-free case) or by a ``stop`` command sent right at the end of speech (``--end stop``,
push-to-talk). ``--uri`` is the HTTP base URL of the server (``http://127.0.0.1:8780``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

from .clips import BUNDLED_MANIFEST, load_manifest, read_pcm16k
from .cpu import CpuWatch, describe, measured
from .errors import BenchError
from .report import BenchReport
from .stats import summarize

HELP = "browser WebSocket /ws: typed turn -> first reply audio; end of speech -> first reply audio"

FRAME_SAMPLES = 512
FRAME_BYTES = FRAME_SAMPLES * 2
FRAME_S = FRAME_SAMPLES / 16_000
VOICED_RMS = 300.0
"""A frame whose RMS (int16 units, about -40 dBFS) is above this counts as speech for the clock."""
MAX_TRAILING_SILENCE_S = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this subcommand (the shared ones are added by ``__main__``)."""
    parser.add_argument("--token", default=os.environ.get("ARIA_TOKEN"), help="API token (env ARIA_TOKEN)")
    parser.add_argument("--mode", choices=("text", "spoken", "both"), default="both", help="which turns to time")
    parser.add_argument("--text", action="append", default=None, help="typed question (repeatable; default: What time is it?)")
    parser.add_argument(
        "--clip", action="append", default=None, help="bundled clip name for spoken turns (repeatable; default: what_time_is_it)"
    )
    parser.add_argument("--manifest", type=Path, default=BUNDLED_MANIFEST, help="clip manifest (default: bundled clips)")
    parser.add_argument("--end", choices=("vad", "stop"), default="vad", help="end spoken turns by server VAD or a stop command")
    parser.add_argument("--fast", action="store_true", help="send audio as fast as accepted instead of in real time")


@dataclass
class TurnTiming:
    """One measured turn; times are milliseconds from the turn's clock start."""

    kind: str
    input: str
    first_audio_ms: float | None = None
    first_text_ms: float | None = None
    transcript_ms: float | None = None
    end_ms: float | None = None
    transcript: str = ""
    reply: str = ""
    server_timeline: dict[str, float] = field(default_factory=dict)
    other_cpu_cores: float | None = None
    """cores other processes used during the turn (with --pid)."""


def ws_url(uri: str) -> str:
    """``http://host:port`` (or ``ws://``) -> the ``/ws`` URL."""
    base = uri.rstrip("/")
    if base.startswith("http"):
        base = "ws" + base[4:]
    return base if base.endswith("/ws") else f"{base}/ws"


def speech_end_frame(pcm: bytes) -> int:
    """Index of the last 512-sample frame with speech in it (by RMS)."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % FRAME_BYTES], dtype=np.int16).astype(np.float32)
    frames = samples.reshape(-1, FRAME_SAMPLES)
    voiced = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > VOICED_RMS)
    if not len(voiced):
        raise BenchError("the clip holds no audible speech")
    return int(voiced[-1])


class _Turn:
    """Reads one turn's server messages, stamping the landmarks on the benchmark's clock."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, timing: TurnTiming, timeout: float) -> None:
        self.ws = ws
        self.timing = timing
        self.timeout = timeout
        self.clock_start: float | None = None
        self.first_audio: float | None = None
        self.first_text: float | None = None
        self.transcript_at: float | None = None
        self.listening_over = asyncio.Event()

    async def read(self) -> None:
        """Until the final ``idle`` status of the turn."""
        while True:
            msg = await self.ws.receive(timeout=self.timeout)
            now = time.perf_counter()
            if msg.type is aiohttp.WSMsgType.BINARY:
                self.first_audio = self.first_audio or now
                continue
            if msg.type is not aiohttp.WSMsgType.TEXT:
                raise BenchError(f"/ws closed during a turn ({msg.type.name} {msg.data!r})")
            message = json.loads(msg.data)
            kind, data, meta = message["type"], message["data"], message.get("metadata", {})
            if kind == "status" and data == "error":
                raise BenchError(f"server error: {meta.get('error')}")
            if kind == "status" and data not in ("listening",):
                self.listening_over.set()
            if kind == "transcript" and meta.get("final"):
                self.transcript_at = now
                self.timing.transcript = data
            elif kind == "response" and not meta.get("final"):
                self.first_text = self.first_text or now
            elif kind == "response":
                self.timing.reply = data
            elif kind == "status" and data == "idle" and "outcome" in meta:
                self.timing.server_timeline = meta.get("timeline", {})
                self._finish(now)
                return

    def _finish(self, now: float) -> None:
        start = self.clock_start
        if start is None:
            raise BenchError("the turn ended before its clock started (no speech end seen)")

        def ms(at: float | None) -> float | None:
            return None if at is None else round((at - start) * 1000, 1)

        self.timing.first_audio_ms = ms(self.first_audio)
        self.timing.first_text_ms = ms(self.first_text)
        self.timing.transcript_ms = ms(self.transcript_at)
        self.timing.end_ms = ms(now)


async def text_turn(ws: aiohttp.ClientWebSocketResponse, text: str, timeout: float) -> TurnTiming:
    """One typed question, timed from sending it."""
    turn = _Turn(ws, TurnTiming("text", text), timeout)
    turn.clock_start = time.perf_counter()
    await ws.send_json({"type": "text", "data": text, "timestamp": time.time() * 1000})
    await turn.read()
    return turn.timing


async def spoken_turn(
    ws: aiohttp.ClientWebSocketResponse, name: str, pcm: bytes, *, end: str, fast: bool, timeout: float
) -> TurnTiming:
    """One clip streamed like a microphone, timed from its end of speech."""
    turn = _Turn(ws, TurnTiming("spoken", name), timeout)
    last_voiced = speech_end_frame(pcm)
    silence_frames = int(MAX_TRAILING_SILENCE_S / FRAME_S)
    frames = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)]
    frames += [bytes(FRAME_BYTES)] * silence_frames

    async def send() -> None:
        await ws.send_json({"type": "command", "data": "start", "timestamp": time.time() * 1000})
        t0 = time.perf_counter()
        for index, frame in enumerate(frames):
            if turn.listening_over.is_set() and index > last_voiced:
                return
            if not fast:
                # A microphone delivers frame i when its 32 ms have been captured.
                await asyncio.sleep(max(0.0, t0 + (index + 1) * FRAME_S - time.perf_counter()))
            await ws.send_bytes(frame)
            if index == last_voiced:
                turn.clock_start = time.perf_counter()
                if end == "stop":
                    await ws.send_json({"type": "command", "data": "stop", "timestamp": time.time() * 1000})
                    return

    reader = asyncio.create_task(turn.read(), name=f"bench-ws-read {name}")
    try:
        await send()
        await reader
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return turn.timing


def _row(label: str, values: list[float], target: float | None) -> list[str]:
    if not values:
        return [label, "0", "-", "-", "-", "-", "-" if target is None else f"{target:.0f}"]
    s = summarize(values)
    return [label, str(s.n), f"{s.median:.0f}", f"{s.p95:.0f}", f"{s.min:.0f}", f"{s.max:.0f}", "-" if target is None else f"{target:.0f}"]


def _values(timings: list[TurnTiming], kind: str, attr: str) -> list[float]:
    return [v for t in timings if t.kind == kind and (v := getattr(t, attr)) is not None]


async def run(args: argparse.Namespace) -> BenchReport:
    """Warm-up turns, then ``--repeats`` passes over the texts and clips."""
    texts = args.text or ["What time is it?"]
    names = args.clip or ["what_time_is_it"]
    clips = {clip.name: clip for clip in load_manifest(args.manifest)}
    missing = [name for name in names if name not in clips]
    if missing:
        raise BenchError(f"unknown clip(s) {', '.join(missing)}; known: {', '.join(clips)}")
    audio = {name: read_pcm16k(clips[name].path) for name in names}
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    timings: list[TurnTiming] = []
    others: list[float | None] = []
    retries = 0
    async with aiohttp.ClientSession(headers=headers) as session:
        try:
            ws = await session.ws_connect(ws_url(args.uri), max_msg_size=0)
        except aiohttp.ClientError as err:
            raise BenchError(f"cannot open {ws_url(args.uri)}: {err}") from err
        async with ws:
            await ws.receive_json(timeout=args.timeout)  # the hello status
            turns: list[Callable[[], Awaitable[TurnTiming]]] = []
            if args.mode in ("text", "both"):
                turns += [functools.partial(text_turn, ws, text, args.timeout) for text in texts]
            if args.mode in ("spoken", "both"):
                turns += [
                    functools.partial(spoken_turn, ws, name, audio[name], end=args.end, fast=args.fast, timeout=args.timeout)
                    for name in names
                ]
            for _ in range(args.warmup):
                for turn in turns:
                    await turn()
            watch = CpuWatch.create(args.pid)
            for _ in range(args.repeats):
                for turn in turns:
                    timing, other, tries = await measured(watch, args.max_other_cpu, turn)
                    timing.other_cpu_cores = other
                    timings.append(timing)
                    others.append(other)
                    retries += tries
    rows: list[list[str]] = []
    notes: list[str] = []
    if args.mode in ("text", "both"):
        rows += [
            _row("typed -> first audio frame", _values(timings, "text", "first_audio_ms"), 300),
            _row("typed -> first reply text", _values(timings, "text", "first_text_ms"), None),
        ]
        notes.append(f"typed turns: {', '.join(repr(t) for t in texts)}")
    if args.mode in ("spoken", "both"):
        rows += [
            _row("end of speech -> transcript", _values(timings, "spoken", "transcript_ms"), None),
            _row("end of speech -> first audio frame", _values(timings, "spoken", "first_audio_ms"), 500),
        ]
        pacing = "as fast as accepted" if args.fast else "in real time (32 ms frames)"
        ending = "the server's VAD endpointing (hands-free)" if args.end == "vad" else "a stop command at end of speech (push-to-talk)"
        notes.append(f"spoken turns: clips {', '.join(names)} sent {pacing}; ended by {ending}")
        notes.append(f"transcripts: {sorted({t.transcript for t in timings if t.kind == 'spoken'})}")
    notes.append(f"replies (first few): {sorted({t.reply for t in timings})[:4]}")
    if (disturbance := describe(others, retries)) is not None:
        notes.append(disturbance)
    return BenchReport(
        title=f"aria-bench ws: {ws_url(args.uri)} ({args.repeats} passes, {args.warmup} warm-up)",
        headers=["measure (ms)", "n", "median", "p95", "min", "max", "target"],
        rows=rows,
        notes=notes,
        data={"turns": [asdict(t) for t in timings]},
    )

