"""``aria-bench tts``: time to first audio, total synthesis time and real-time factor.

Each request opens a connection and sends ``synthesize`` (or, with ``--streaming``,
``synthesize-start``, the text word by word in ``synthesize-chunk``s, the compatibility
``synthesize`` and ``synthesize-stop``), then reads until ``audio-stop`` (or
``synthesize-stopped``). Clocks start when the first request event is written.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from wyoming.audio import AudioChunk, AudioStop
from wyoming.client import AsyncClient
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from .cpu import CpuWatch, measured
from .cpu import describe as describe_cpu
from .errors import BenchError
from .report import BenchReport
from .stats import summarize
from .wire import connect, describe, read_event

HELP = "text-to-speech: time to first audio, synthesis time, real-time factor"

DEFAULT_TEXTS = (
    "Okay.",
    "The kitchen light is on.",
    "Your timer for five minutes has started.",
    "It is seven thirty in the evening, and the front door is locked.",
    "Tomorrow will be mostly sunny with a high of twenty two degrees. "
    "Expect a light breeze from the west in the afternoon.",
    "I turned off all the lights in the living room and set the thermostat to nineteen degrees. "
    "Your shopping list has milk, eggs, bread and coffee. Would you like me to add anything else?",
)
"""Home-assistant replies from one word to three sentences."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this subcommand (the shared ones are added by ``__main__``)."""
    parser.add_argument("--texts", type=Path, default=None, help="UTF-8 file, one text per line (default: built-in replies)")
    parser.add_argument(
        "--streaming", action="store_true", help="use synthesize-start/chunk/stop (the server must advertise it)"
    )
    parser.add_argument("--voice", default=None, help="voice name to request (default: the server's default)")


def load_texts(path: Path | None) -> tuple[str, ...]:
    """The texts of ``--texts`` (blank lines and ``#`` comments skipped) or the built-in set."""
    if path is None:
        return DEFAULT_TEXTS
    texts = tuple(
        line.strip() for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    if not texts:
        raise BenchError(f"{path} holds no text")
    return texts


@dataclass(frozen=True)
class TtsOptions:
    """Everything one run needs, taken from the command line once."""

    uri: str
    texts: tuple[str, ...]
    repeats: int
    warmup: int
    streaming: bool
    voice: str | None
    timeout: float
    pid: int | None
    max_other_cpu: float | None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TtsOptions:
        """Validate and freeze the parsed arguments."""
        return cls(
            uri=args.uri, texts=load_texts(args.texts), repeats=args.repeats, warmup=args.warmup,
            streaming=args.streaming, voice=args.voice, timeout=args.timeout,
            pid=args.pid, max_other_cpu=args.max_other_cpu,
        )


@dataclass(frozen=True)
class TtsResult:
    """One measured request; ``rtf`` is synthesis time over audio duration (lower is faster)."""

    text_index: int
    repeat: int
    chars: int
    first_audio_ms: float
    total_ms: float
    audio_seconds: float
    rtf: float
    other_cpu_cores: float | None
    retries: int


async def _send_request(client: AsyncClient, options: TtsOptions, text: str) -> None:
    voice = SynthesizeVoice(name=options.voice) if options.voice else None
    if not options.streaming:
        await client.write_event(Synthesize(text=text, voice=voice).event())
        return
    await client.write_event(SynthesizeStart(voice=voice).event())
    # Word-sized chunks, as a language model would stream them (but without its delays).
    for word in re.findall(r"\S+\s*", text):
        await client.write_event(SynthesizeChunk(text=word).event())
    # The full text for servers without streaming, as Home Assistant sends it; streaming servers ignore it.
    await client.write_event(Synthesize(text=text, voice=voice).event())
    await client.write_event(SynthesizeStop().event())


async def synthesize_once(options: TtsOptions, text: str) -> tuple[float, float, float]:
    """(seconds to the first audio-chunk, seconds to the end of audio, seconds of audio)."""
    async with connect(options.uri, options.timeout) as client:
        started = time.perf_counter()
        await _send_request(client, options, text)
        first: float | None = None
        audio_seconds = 0.0
        while True:
            event = await read_event(client)
            if AudioChunk.is_type(event.type):
                chunk = AudioChunk.from_event(event)
                if first is None:
                    first = time.perf_counter() - started
                audio_seconds += len(chunk.audio) / (chunk.rate * chunk.width * chunk.channels)
            # A streaming server may send one audio-start/stop pair per sentence: wait for the end.
            elif (SynthesizeStopped.is_type(event.type) if options.streaming else AudioStop.is_type(event.type)):
                total = time.perf_counter() - started
                if first is None or audio_seconds == 0:
                    raise BenchError(f"no audio for {text!r}")
                return first, total, audio_seconds


async def check_streaming(options: TtsOptions) -> None:
    """``BenchError`` unless the server advertises streaming synthesis (it would never answer)."""
    info = await describe(options.uri, options.timeout)
    if not any(program.supports_synthesize_streaming for program in info.tts):
        raise BenchError(f"{options.uri} does not advertise streaming synthesis (drop --streaming)")


async def measure(options: TtsOptions) -> list[TtsResult]:
    """Warm-up requests (unmeasured), then every text ``repeats`` times."""
    if options.streaming:
        await check_streaming(options)
    for _ in range(options.warmup):
        await synthesize_once(options, options.texts[0])
    watch = CpuWatch.create(options.pid)
    results = []
    for repeat in range(options.repeats):
        for index, text in enumerate(options.texts):
            (first, total, audio_seconds), other, retries = await measured(
                watch, options.max_other_cpu, lambda: synthesize_once(options, text)
            )
            results.append(
                TtsResult(
                    text_index=index, repeat=repeat, chars=len(text), first_audio_ms=first * 1000,
                    total_ms=total * 1000, audio_seconds=audio_seconds, rtf=total / audio_seconds,
                    other_cpu_cores=other, retries=retries,
                )
            )
    return results


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def build_report(options: TtsOptions, results: list[TtsResult]) -> BenchReport:
    """Per-text and overall first audio (median, p95), total time and RTF."""
    by_text: dict[int, list[TtsResult]] = defaultdict(list)
    for result in results:
        by_text[result.text_index].append(result)
    rows = []
    per_text = []
    for index, items in sorted(by_text.items()):
        first = summarize([item.first_audio_ms for item in items])
        total = summarize([item.total_ms for item in items])
        rtf = summarize([item.rtf for item in items])
        per_text.append({"text": options.texts[index], "first_audio_ms": first.as_dict(),
                         "total_ms": total.as_dict(), "rtf": rtf.as_dict()})
        rows.append([_short(options.texts[index]), str(len(options.texts[index])), f"{items[0].audio_seconds:.2f}",
                     f"{first.median:.0f}", f"{first.p95:.0f}", f"{total.median:.0f}", f"{rtf.median:.3f}"])
    first_all = summarize([result.first_audio_ms for result in results])
    total_all = summarize([result.total_ms for result in results])
    rtf_all = summarize([result.rtf for result in results])
    rows.append(["ALL", "", "", f"{first_all.median:.0f}", f"{first_all.p95:.0f}", f"{total_all.median:.0f}",
                 f"{rtf_all.median:.3f}"])
    mode = "streaming (synthesize-start/chunk/stop)" if options.streaming else "synthesize"
    return BenchReport(
        title=f"aria-bench tts  {options.uri}  {len(options.texts)} texts x {options.repeats} repeats "
        f"(+{options.warmup} warm-up), {mode}",
        headers=["text", "chars", "audio s", "first audio med ms", "p95 ms", "total med ms", "RTF med"],
        rows=rows,
        notes=[
            "first audio: from sending the request to the first audio-chunk; RTF: synthesis time / audio duration",
            *_disturbance(results),
        ],
        data={
            "command": "tts",
            "options": asdict(options),
            "summary": {"first_audio_ms": first_all.as_dict(), "total_ms": total_all.as_dict(),
                        "rtf": rtf_all.as_dict(), "per_text": per_text},
            "requests": [asdict(result) for result in results],
        },
    )


def _disturbance(results: list[TtsResult]) -> list[str]:
    line = describe_cpu([result.other_cpu_cores for result in results], sum(result.retries for result in results))
    return [line] if line else []


async def run(args: argparse.Namespace) -> BenchReport:
    """The subcommand: parse options, measure, report."""
    options = TtsOptions.from_args(args)
    return build_report(options, await measure(options))
