"""``aria-bench stt``: latency from ``audio-stop`` to the final ``transcript``, and the WER.

Each request opens a connection and sends ``transcribe``, ``audio-start``, the clip plus
trailing silence in 32 ms chunks (paced to the wall clock unless ``--no-realtime``) and
``audio-stop``. The silence matters: a real endpointer only sends ``audio-stop`` after it has
heard a pause, and a server may use that pause to start decoding early.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient

from .clips import BUNDLED_MANIFEST, CHANNELS, RATE, WIDTH, Clip, duration, load_manifest, read_pcm16k, silence
from .cpu import CpuWatch, measured
from .cpu import describe as describe_cpu
from .errors import BenchError
from .report import BenchReport
from .stats import summarize
from .wer import WordErrors, corpus_wer, score
from .wire import connect, read_event

HELP = "speech-to-text: latency from audio-stop to transcript, and WER"

CHUNK_SECONDS = 0.032
"""Chunk length sent to the server: 512 samples at 16 kHz, one Silero VAD frame."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this subcommand (the shared ones are added by ``__main__``)."""
    parser.add_argument(
        "--manifest", type=Path, default=BUNDLED_MANIFEST,
        help="TSV of 'WAV<TAB>reference text', WAV paths relative to the manifest (default: bundled clips)",
    )
    parser.add_argument("--limit", type=int, default=None, help="use only the first N clips")
    parser.add_argument(
        "--trailing-silence", type=float, default=0.6,
        help="seconds of silence sent after the speech, as an endpointer leaves it (default 0.6)",
    )
    parser.add_argument("--no-realtime", dest="realtime", action="store_false", help="send audio as fast as possible")
    parser.add_argument("--language", default="en", help="language sent in 'transcribe' (default en; '' for none)")


@dataclass(frozen=True)
class SttOptions:
    """Everything one run needs, taken from the command line once."""

    uri: str
    clips: tuple[Clip, ...]
    repeats: int
    warmup: int
    realtime: bool
    trailing_silence: float
    language: str | None
    timeout: float
    pid: int | None
    max_other_cpu: float | None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SttOptions:
        """Validate and freeze the parsed arguments."""
        if args.trailing_silence < 0:
            raise BenchError("--trailing-silence must be >= 0")
        return cls(
            uri=args.uri,
            clips=tuple(load_manifest(args.manifest, args.limit)),
            repeats=args.repeats,
            warmup=args.warmup,
            realtime=args.realtime,
            trailing_silence=args.trailing_silence,
            language=args.language or None,
            timeout=args.timeout,
            pid=args.pid,
            max_other_cpu=args.max_other_cpu,
        )


@dataclass(frozen=True)
class SttResult:
    """One measured request."""

    clip: str
    repeat: int
    reference: str
    text: str
    latency_ms: float
    audio_seconds: float
    errors: int
    words: int
    other_cpu_cores: float | None
    retries: int


async def send_audio(
    client: AsyncClient, pcm: bytes, realtime: bool, on_sent: Callable[[int], None] | None = None
) -> None:
    """``pcm`` (16 kHz mono int16) in 32 ms chunks; in realtime each goes out once it was 'captured'.

    ``on_sent(index)`` is called right after chunk ``index`` was written (to stamp a moment).
    """
    chunk_bytes = int(RATE * CHUNK_SECONDS) * WIDTH * CHANNELS
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, offset in enumerate(range(0, len(pcm), chunk_bytes)):
        if realtime:
            # An absolute schedule: one late wake-up does not delay every later chunk.
            delay = start + (index + 1) * CHUNK_SECONDS - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        chunk = AudioChunk(
            rate=RATE, width=WIDTH, channels=CHANNELS,
            audio=pcm[offset : offset + chunk_bytes], timestamp=round(index * CHUNK_SECONDS * 1000),
        )
        await client.write_event(chunk.event())
        if on_sent is not None:
            on_sent(index)


async def transcribe_once(
    options: SttOptions, pcm: bytes, realtime: bool, on_sent: Callable[[int], None] | None = None
) -> tuple[str, float]:
    """(transcript, seconds from sending audio-stop to receiving the final transcript)."""
    async with connect(options.uri, options.timeout) as client:
        await client.write_event(Transcribe(language=options.language).event())
        await client.write_event(AudioStart(rate=RATE, width=WIDTH, channels=CHANNELS, timestamp=0).event())
        await send_audio(client, pcm, realtime, on_sent)
        await client.write_event(AudioStop().event())
        stopped = time.perf_counter()
        while True:
            event = await read_event(client)
            # transcript-start/-chunk/-stop may come first; only the final transcript counts.
            if Transcript.is_type(event.type):
                return Transcript.from_event(event).text, time.perf_counter() - stopped


async def measure(options: SttOptions) -> list[SttResult]:
    """Warm-up requests (unmeasured, not realtime), then every clip ``repeats`` times."""
    tail = silence(options.trailing_silence)
    audio = {clip.name: read_pcm16k(clip.path) for clip in options.clips}
    for _ in range(options.warmup):
        await transcribe_once(options, audio[options.clips[0].name] + tail, realtime=False)
    watch = CpuWatch.create(options.pid)
    results = []
    for repeat in range(options.repeats):
        for clip in options.clips:
            pcm = audio[clip.name] + tail
            (text, latency), other, retries = await measured(
                watch, options.max_other_cpu, lambda: transcribe_once(options, pcm, options.realtime)
            )
            errors = score(clip.reference, text)
            results.append(
                SttResult(
                    clip=clip.name, repeat=repeat, reference=clip.reference, text=text,
                    latency_ms=latency * 1000, audio_seconds=duration(audio[clip.name]),
                    errors=errors.errors, words=errors.words, other_cpu_cores=other, retries=retries,
                )
            )
    return results


def build_report(options: SttOptions, results: list[SttResult]) -> BenchReport:
    """Per-clip and overall latency (median, p95) and WER."""
    by_clip: dict[str, list[SttResult]] = defaultdict(list)
    for result in results:
        by_clip[result.clip].append(result)
    rows = []
    per_clip = {}
    for name, items in by_clip.items():
        latency = summarize([item.latency_ms for item in items])
        wer = corpus_wer(WordErrors(item.errors, item.words) for item in items)
        per_clip[name] = {"latency_ms": latency.as_dict(), "wer": wer}
        rows.append([name, f"{items[0].audio_seconds:.2f}", f"{latency.median:.0f}", f"{latency.p95:.0f}",
                     f"{wer:.3f}", items[-1].text.strip()])
    overall = summarize([result.latency_ms for result in results])
    wer_all = corpus_wer(WordErrors(result.errors, result.words) for result in results)
    rows.append(["ALL", "", f"{overall.median:.0f}", f"{overall.p95:.0f}", f"{wer_all:.3f}", ""])
    pacing = "realtime" if options.realtime else "as fast as possible"
    title = (
        f"aria-bench stt  {options.uri}  {len(options.clips)} clips x {options.repeats} repeats "
        f"(+{options.warmup} warm-up), {pacing}, 32 ms chunks, trailing silence {options.trailing_silence:.2f} s"
    )
    return BenchReport(
        title=title,
        headers=["clip", "audio s", "latency med ms", "p95 ms", "WER", "last transcript"],
        rows=rows,
        align="lrrrrl",
        notes=[
            "latency: from sending audio-stop to receiving the final transcript",
            *_disturbance(results),
        ],
        data={
            "command": "stt",
            "options": {**asdict(options), "clips": [str(clip.path) for clip in options.clips]},
            "summary": {"latency_ms": overall.as_dict(), "wer": wer_all, "per_clip": per_clip},
            "requests": [asdict(result) for result in results],
        },
    )


def _disturbance(results: list[SttResult]) -> list[str]:
    line = describe_cpu([result.other_cpu_cores for result in results], sum(result.retries for result in results))
    return [line] if line else []


async def run(args: argparse.Namespace) -> BenchReport:
    """The subcommand: parse options, measure, report."""
    options = SttOptions.from_args(args)
    return build_report(options, await measure(options))

