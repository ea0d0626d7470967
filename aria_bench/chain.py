"""``aria-bench chain``: the clips through a sequential chain of peers, as Home Assistant runs it.

What Aria replaces is Home Assistant's non-streaming pipeline: one server after the other,
each waiting for the previous one to finish. Per clip:

1. **STT** (``--uri``, e.g. wyoming-faster-whisper): ``transcribe``, ``audio-start``, the clip
   plus trailing silence in realtime 32 ms chunks (the same sender as ``aria-bench stt``),
   ``audio-stop``, then wait for the final ``transcript``.
2. **LLM** (``--llm-url``, an OpenAI-compatible server such as llama.cpp's): one non-streaming
   ``/completions`` request with Aria's own few-shot prompt, stop sequences and token limit
   (``aria_server.llm.completion``), Aria's default system prompt and temperature; wait for the
   whole text.
3. **TTS** (``--tts-uri``, e.g. wyoming-piper): one ``synthesize`` of that text; the clock stops
   at the first ``audio-chunk`` (the rest is read, unclocked, so the server finishes cleanly).

The clock starts at the end of speech: the moment the chunk holding the clip's last voiced
sample (``clips.last_voiced_s``, -40 dBFS in 10 ms windows) was sent, as ``aria-bench ws``
starts it. Stages: endpoint (end of speech -> ``audio-stop`` sent: the trailing silence),
stt (``audio-stop`` -> transcript), llm (request -> whole reply), tts (request -> first audio,
connection included). Each clip is a fresh conversation. ``--uri`` is the STT server, so the
shared options (``--pid`` for its memory) read as they do for ``aria-bench stt``.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from wyoming.audio import AudioChunk, AudioStop
from wyoming.tts import Synthesize, SynthesizeVoice

from aria_server.llm.base import ChatMessage
from aria_server.llm.completion import MAX_TOKENS, STOP, completion_prompt
from aria_server.settings import LlmSettings

from .clips import BUNDLED_MANIFEST, RATE, Clip, duration, last_voiced_s, load_manifest, read_pcm16k, silence
from .cpu import CpuWatch, measured
from .cpu import describe as describe_cpu
from .errors import BenchError
from .report import BenchReport
from .stats import Summary, summarize
from .stt import CHUNK_SECONDS, SttOptions, transcribe_once
from .wer import score
from .wire import connect, describe, read_event

HELP = "end of speech -> first reply audio through a sequential chain: STT (--uri), then LLM, then TTS"

DEFAULT_SYSTEM_PROMPT: str = LlmSettings.model_fields["system_prompt"].default
"""Aria's default instructions: the chain's model gets the same prompt as Aria's."""

DEFAULT_TEMPERATURE: float = LlmSettings.model_fields["temperature"].default

STAGES = ("endpoint", "stt", "llm", "tts")
"""Per-stage columns, in chain order."""

TARGET_RATIO = 0.4
"""Aria's target: end of speech -> first reply audio at most this times the chain's."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this subcommand (the shared ones are added by ``__main__``; ``--uri`` is the STT server)."""
    parser.add_argument("--llm-url", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8090/v1")
    parser.add_argument("--llm-model", default=None, help="model name sent to the LLM (default: the first it lists)")
    parser.add_argument("--tts-uri", required=True, help="text-to-speech server: tcp://HOST:PORT (e.g. wyoming-piper)")
    parser.add_argument("--clips", type=Path, default=BUNDLED_MANIFEST, help="clip manifest (default: bundled clips)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument(
        "--trailing-silence", type=float, default=0.6,
        help="seconds of silence sent after the clip before audio-stop, as an endpointer leaves it (default 0.6)",
    )
    parser.add_argument("--language", default="en", help="language sent in 'transcribe' (default en; '' for none)")
    parser.add_argument("--voice", default=None, help="voice name to request from TTS (default: the server's)")
    parser.add_argument(
        "--llm-temperature", type=float, default=DEFAULT_TEMPERATURE,
        help=f"sampling temperature (default {DEFAULT_TEMPERATURE}, Aria's default)",
    )
    parser.add_argument("--system-prompt", default=DEFAULT_SYSTEM_PROMPT, help="instructions (default: Aria's)")
    parser.add_argument(
        "--peer-pid", type=int, action="append", default=[], metavar="PID",
        help="with --pid: another server of the chain (repeatable); its CPU does not count as disturbance",
    )


@dataclass(frozen=True)
class ChainOptions:
    """Everything one run needs, taken from the command line once."""

    stt_uri: str
    llm_url: str
    llm_model: str | None
    tts_uri: str
    clips: tuple[Clip, ...]
    repeats: int
    warmup: int
    trailing_silence: float
    language: str | None
    voice: str | None
    temperature: float
    system_prompt: str
    timeout: float
    pids: tuple[int, ...]
    max_other_cpu: float | None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ChainOptions:
        """Validate and freeze the parsed arguments."""
        if args.trailing_silence < 0:
            raise BenchError("--trailing-silence must be >= 0")
        if not args.llm_url.startswith(("http://", "https://")):
            raise BenchError(f"expected --llm-url http://HOST:PORT/v1, got {args.llm_url!r}")
        pids = ((args.pid,) if args.pid is not None else ()) + tuple(args.peer_pid)
        return cls(
            stt_uri=args.uri, llm_url=args.llm_url.rstrip("/"), llm_model=args.llm_model, tts_uri=args.tts_uri,
            clips=tuple(load_manifest(args.clips, args.limit)), repeats=args.repeats, warmup=args.warmup,
            trailing_silence=args.trailing_silence, language=args.language or None, voice=args.voice,
            temperature=args.llm_temperature, system_prompt=args.system_prompt, timeout=args.timeout,
            pids=pids, max_other_cpu=args.max_other_cpu,
        )

    def stt(self) -> SttOptions:
        """What ``aria-bench stt``'s sender needs (realtime, this chain's STT server)."""
        return SttOptions(
            uri=self.stt_uri, clips=self.clips, repeats=self.repeats, warmup=self.warmup, realtime=True,
            trailing_silence=self.trailing_silence, language=self.language, timeout=self.timeout,
            pid=None, max_other_cpu=self.max_other_cpu,
        )


@dataclass
class ChainResult:
    """One clip through the chain; times in milliseconds."""

    clip: str
    repeat: int
    reference: str
    transcript: str = ""
    reply: str = ""
    first_audio_ms: float = 0.0
    """end of speech -> first TTS audio-chunk."""
    stages_ms: dict[str, float] = field(default_factory=dict)
    audio_seconds: float = 0.0
    speech_end_s: float = 0.0
    """where the speech ends in the clip."""
    transcript_errors: int = 0
    reference_words: int = 0
    reply_audio_s: float = 0.0
    other_cpu_cores: float | None = None
    retries: int = 0


class _ChainWatch(CpuWatch):
    """``CpuWatch`` over several servers: the chain's CPU is the sum of its processes' trees."""

    def __init__(self, pids: Sequence[int]) -> None:
        super().__init__(pids[0])
        try:
            self._servers = [self._psutil.Process(pid) for pid in pids]
        except self._psutil.Error as err:
            raise BenchError(f"cannot watch pids {list(pids)}: {err}") from err

    def _server_seconds(self) -> float:
        total = 0.0
        for server in self._servers:
            try:
                processes = [server, *server.children(recursive=True)]
            except self._psutil.Error:
                continue
            for process in processes:
                with contextlib.suppress(self._psutil.Error):
                    times = process.cpu_times()
                    total += times.user + times.system
        return total

    @classmethod
    def for_pids(cls, pids: Sequence[int]) -> CpuWatch | None:
        """None without pids (or where ``CpuWatch`` cannot work), else a watch over them all."""
        if not pids or CpuWatch.create(pids[0]) is None:
            return None
        return cls(pids)


class Chain:
    """The three servers, one clip at a time."""

    def __init__(self, options: ChainOptions, http: aiohttp.ClientSession) -> None:
        self.options = options
        self.http = http
        self.model = options.llm_model

    async def check(self) -> None:
        """Every server answers before any clip is sent (and the LLM's model is known)."""
        for uri in (self.options.stt_uri, self.options.tts_uri):
            await describe(uri, self.options.timeout)
        models = await self._get("/models")
        names = [str(model["id"]) for model in models.get("data", [])]
        if self.model is None:
            if not names:
                raise BenchError(f"{self.options.llm_url} lists no models; pass --llm-model")
            self.model = names[0]

    async def _get(self, path: str) -> dict[str, Any]:
        url = f"{self.options.llm_url}{path}"
        try:
            async with self.http.get(url) as response:
                if response.status != 200:
                    raise BenchError(f"GET {url} answered {response.status}: {(await response.text())[:200]}")
                data: dict[str, Any] = await response.json()
                return data
        except (aiohttp.ClientError, TimeoutError) as err:
            raise BenchError(f"cannot reach the LLM at {url}: {err!r}") from err

    async def complete(self, transcript: str) -> str:
        """The whole reply of one non-streaming completion with Aria's prompt and limits."""
        messages: list[ChatMessage] = [
            {"role": "system", "content": self.options.system_prompt},
            {"role": "user", "content": transcript},
        ]
        body = {
            "model": self.model, "prompt": completion_prompt(messages), "max_tokens": MAX_TOKENS, "stop": STOP,
            "temperature": self.options.temperature, "stream": False,
        }
        url = f"{self.options.llm_url}/completions"
        try:
            async with self.http.post(url, json=body) as response:
                if response.status != 200:
                    raise BenchError(f"POST {url} answered {response.status}: {(await response.text())[:200]}")
                data = await response.json()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise BenchError(f"cannot reach the LLM at {url}: {err!r}") from err
        try:
            return str(data["choices"][0]["text"]).strip()
        except (KeyError, IndexError, TypeError) as err:
            raise BenchError(f"POST {url}: no completion text in {str(data)[:200]}") from err

    async def first_audio(self, text: str) -> tuple[float, float]:
        """(perf_counter at the first audio-chunk, seconds of audio); started by the caller's clock."""
        voice = SynthesizeVoice(name=self.options.voice) if self.options.voice else None
        async with connect(self.options.tts_uri, self.options.timeout) as client:
            await client.write_event(Synthesize(text=text, voice=voice).event())
            first: float | None = None
            audio_seconds = 0.0
            while True:
                event = await read_event(client)
                if AudioChunk.is_type(event.type):
                    first = first or time.perf_counter()
                    chunk = AudioChunk.from_event(event)
                    audio_seconds += len(chunk.audio) / (chunk.rate * chunk.width * chunk.channels)
                elif AudioStop.is_type(event.type):
                    if first is None:
                        raise BenchError(f"{self.options.tts_uri}: no audio for {text!r}")
                    return first, audio_seconds

    async def run_clip(self, clip: Clip, pcm: bytes, repeat: int, *, realtime: bool = True) -> ChainResult:
        """The clip through STT, LLM and TTS in turn, timed from its end of speech."""
        result = ChainResult(clip=clip.name, repeat=repeat, reference=clip.reference, audio_seconds=duration(pcm))
        result.speech_end_s = last_voiced_s(pcm)
        chunk_samples = int(RATE * CHUNK_SECONDS)
        last_chunk = (round(result.speech_end_s * RATE) - 1) // chunk_samples
        marks: dict[str, float] = {}

        def on_sent(index: int) -> None:
            if index == last_chunk:
                marks["end_of_speech"] = time.perf_counter()

        padded = pcm + silence(self.options.trailing_silence)
        text, stt_s = await transcribe_once(self.options.stt(), padded, realtime, on_sent)
        marks["transcript"] = time.perf_counter()
        marks["audio_stop"] = marks["transcript"] - stt_s
        result.transcript = text.strip()
        if not result.transcript:
            raise BenchError(f"{self.options.stt_uri}: empty transcript for {clip.name}")
        result.reply = await self.complete(result.transcript)
        marks["reply"] = time.perf_counter()
        if not result.reply:
            raise BenchError(f"{self.options.llm_url}: empty reply to {result.transcript!r}")
        marks["first_audio"], result.reply_audio_s = await self.first_audio(result.reply)
        end = marks["end_of_speech"]
        result.first_audio_ms = (marks["first_audio"] - end) * 1000
        result.stages_ms = {
            "endpoint": (marks["audio_stop"] - end) * 1000,
            "stt": stt_s * 1000,
            "llm": (marks["reply"] - marks["transcript"]) * 1000,
            "tts": (marks["first_audio"] - marks["reply"]) * 1000,
        }
        errors = score(clip.reference, result.transcript)
        result.transcript_errors, result.reference_words = errors.errors, errors.words
        return result


async def measure(options: ChainOptions) -> tuple[list[ChainResult], str | None]:
    """Warm-up clips through the whole chain (unmeasured, not realtime), then ``repeats`` passes.

    Returns the results and the LLM model name used.
    """
    audio = {clip.name: read_pcm16k(clip.path) for clip in options.clips}
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=options.timeout, sock_read=options.timeout)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        chain = Chain(options, http)
        await chain.check()
        first = options.clips[0]
        for _ in range(options.warmup):
            await chain.run_clip(first, audio[first.name], -1, realtime=False)
        watch = _ChainWatch.for_pids(options.pids)
        results = []
        for repeat in range(options.repeats):
            for clip in options.clips:
                result, other, retries = await measured(
                    watch, options.max_other_cpu, partial(chain.run_clip, clip, audio[clip.name], repeat)
                )
                result.other_cpu_cores, result.retries = other, retries
                results.append(result)
    return results, chain.model


def _cell(summary: Summary) -> str:
    return f"{summary.median:.0f} / {summary.p95:.0f}"


def _short(text: str, width: int = 44) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def build_report(options: ChainOptions, model: str | None, results: list[ChainResult]) -> BenchReport:
    """Per clip and overall: end of speech -> first audio (median / p95) and each stage's."""
    by_clip: dict[str, list[ChainResult]] = defaultdict(list)
    for result in results:
        by_clip[result.clip].append(result)

    def figures(items: Sequence[ChainResult]) -> dict[str, Any]:
        return {
            "first_audio_ms": summarize([item.first_audio_ms for item in items]).as_dict(),
            **{f"{stage}_ms": summarize([item.stages_ms[stage] for item in items]).as_dict() for stage in STAGES},
        }

    def row(label: str, items: Sequence[ChainResult], text: str) -> list[str]:
        return [
            label, str(len(items)), _cell(summarize([item.first_audio_ms for item in items])),
            *[_cell(summarize([item.stages_ms[stage] for item in items])) for stage in STAGES], text,
        ]

    rows = [
        row(name, items, _short(f"{items[-1].transcript!r} -> {items[-1].reply!r}")) for name, items in by_clip.items()
    ]
    rows.append(row("ALL", results, ""))
    overall = summarize([result.first_audio_ms for result in results])
    title = (
        f"aria-bench chain  STT {options.stt_uri} -> LLM {options.llm_url} ({model}) -> TTS {options.tts_uri}  "
        f"{len(options.clips)} clips x {options.repeats} repeats (+{options.warmup} warm-up)"
    )
    notes = [
        "first audio: the clip's last voiced sample sent (realtime 32 ms chunks) -> the first TTS audio-chunk, ms med / p95;",
        f"endpoint = -> audio-stop sent ({options.trailing_silence:.2f} s trailing silence); stt = audio-stop -> transcript;",
        (
            f"llm = one non-streaming /completions with Aria's few-shot prompt (max_tokens {MAX_TOKENS}, "
            f"temperature {options.temperature}) -> whole reply; tts = synthesize -> first audio-chunk."
        ),
        (
            f"Aria's target on the same clips: first audio <= {TARGET_RATIO} x {overall.median:.0f} = "
            f"{TARGET_RATIO * overall.median:.0f} ms (median)."
        ),
    ]
    others = [result.other_cpu_cores for result in results]
    if line := describe_cpu(others, sum(result.retries for result in results)):
        notes.append(line)
    return BenchReport(
        title=title,
        headers=["clip", "n", "first audio ms", *[f"{stage} ms" for stage in STAGES], "last transcript -> reply"],
        rows=rows,
        align="lrrrrrrl",
        notes=notes,
        data={
            "command": "chain",
            "options": {**asdict(options), "clips": [str(clip.path) for clip in options.clips], "llm_model": model},
            "summary": {
                **figures(results), "target_first_audio_ms": TARGET_RATIO * overall.median,
                "per_clip": {name: figures(items) for name, items in by_clip.items()},
            },
            "requests": [asdict(result) for result in results],
        },
    )


async def run(args: argparse.Namespace) -> BenchReport:
    """The subcommand: parse options, measure, report."""
    options = ChainOptions.from_args(args)
    results, model = await measure(options)
    return build_report(options, model, results)
