"""``aria-bench handle``: time to the first ``handled-chunk`` and to the whole reply.

Each request opens a connection (as Home Assistant does) and sends one ``transcript``; the
clock starts when it is written. "first" is the first ``handled-chunk`` (for a server that does
not stream, the final ``handled``), "total" is ``handled`` or ``not-handled``. Every request
uses a fresh conversation id in the transcript's context, so the history never grows during a
run (``--same-conversation`` keeps one, to measure follow-ups).
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.handle import Handled, HandledChunk, NotHandled
from wyoming.info import Info

from .errors import BenchError
from .report import BenchReport
from .stats import summarize
from .wire import connect, describe, read_event

HELP = "conversation (handle): time to the first handled-chunk and to the whole reply"

DEFAULT_TEXTS = (
    "What time is it?",
    "Set a timer for five minutes.",
    "What is the capital of France?",
    "Tell me something interesting about the moon.",
)
"""Two local intents (answered without the model) and two questions for the language model."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this subcommand (the shared ones are added by ``__main__``)."""
    parser.add_argument("--text", action="append", default=None, help="a transcript to send (repeatable)")
    parser.add_argument("--texts", type=Path, default=None, help="UTF-8 file, one transcript per line")
    parser.add_argument("--language", default="en", help="language of the transcripts (default en; '' for none)")
    parser.add_argument(
        "--same-conversation", action="store_true", help="send every request in one conversation (history grows)"
    )


def load_texts(args: argparse.Namespace) -> tuple[str, ...]:
    """``--text``s, then the lines of ``--texts`` (blank and ``#`` lines skipped), else the built-in set."""
    texts = list(args.text or [])
    if args.texts is not None:
        try:
            lines = args.texts.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise BenchError(f"cannot read --texts {args.texts}: {err}") from err
        texts += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return tuple(texts) or DEFAULT_TEXTS


@dataclass(frozen=True)
class HandleOptions:
    """Everything one run needs, taken from the command line once."""

    uri: str
    texts: tuple[str, ...]
    repeats: int
    warmup: int
    language: str | None
    same_conversation: bool
    timeout: float

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> HandleOptions:
        """Validate and freeze the parsed arguments."""
        return cls(
            uri=args.uri, texts=load_texts(args), repeats=args.repeats, warmup=args.warmup,
            language=args.language or None, same_conversation=args.same_conversation, timeout=args.timeout,
        )


@dataclass(frozen=True)
class HandleResult:
    """One measured request."""

    text: str
    repeat: int
    first_ms: float
    total_ms: float
    chunks: int
    handled: bool
    reply: str


async def handle_once(options: HandleOptions, text: str, conversation_id: str) -> HandleResult:
    """Send one transcript and time the answer (``repeat`` is filled in by the caller)."""
    async with connect(options.uri, options.timeout) as client:
        transcript = Transcript(text=text, language=options.language, context={"conversation_id": conversation_id})
        await client.write_event(transcript.event())
        sent = time.perf_counter()
        first: float | None = None
        chunks = 0
        while True:
            event = await read_event(client)
            now = time.perf_counter()
            if HandledChunk.is_type(event.type):
                chunks += 1
                first = now if first is None else first
            elif Handled.is_type(event.type) or NotHandled.is_type(event.type):
                handled = Handled.is_type(event.type)
                reply = (Handled if handled else NotHandled).from_event(event).text or ""
                return HandleResult(
                    text=text, repeat=-1, first_ms=((first or now) - sent) * 1000, total_ms=(now - sent) * 1000,
                    chunks=chunks, handled=handled, reply=reply,
                )


async def measure(options: HandleOptions) -> list[HandleResult]:
    """Warm-up requests (unmeasured), then every text ``repeats`` times."""
    shared = f"bench-{uuid.uuid4().hex[:12]}"

    def conversation() -> str:
        return shared if options.same_conversation else f"bench-{uuid.uuid4().hex[:12]}"

    for index in range(options.warmup):
        await handle_once(options, options.texts[index % len(options.texts)], conversation())
    results = []
    for repeat in range(options.repeats):
        for text in options.texts:
            result = await handle_once(options, text, conversation())
            results.append(HandleResult(**{**asdict(result), "repeat": repeat}))
    return results


def _program(info: Info) -> str:
    for program in info.handle:
        models = ", ".join(model.name for model in program.models)
        return f"{program.name} ({models})" if models else program.name
    raise BenchError("the server offers no handle program (describe lists none)")


def build_report(options: HandleOptions, program: str, results: list[HandleResult]) -> BenchReport:
    """Per-text and overall first-chunk and total times (median, p95)."""
    by_text: dict[str, list[HandleResult]] = defaultdict(list)
    for result in results:
        by_text[result.text].append(result)
    rows = []
    per_text = {}
    for text, items in by_text.items():
        first = summarize([item.first_ms for item in items])
        total = summarize([item.total_ms for item in items])
        per_text[text] = {"first_ms": first.as_dict(), "total_ms": total.as_dict()}
        rows.append([
            text, f"{first.median:.0f}", f"{first.p95:.0f}", f"{total.median:.0f}", f"{total.p95:.0f}",
            items[-1].reply.strip()[:60],
        ])
    first_all = summarize([result.first_ms for result in results])
    total_all = summarize([result.total_ms for result in results])
    rows.append(["ALL", f"{first_all.median:.0f}", f"{first_all.p95:.0f}", f"{total_all.median:.0f}",
                 f"{total_all.p95:.0f}", ""])
    title = (
        f"aria-bench handle  {options.uri}  {program}  {len(options.texts)} texts x {options.repeats} repeats "
        f"(+{options.warmup} warm-up), {'one conversation' if options.same_conversation else 'fresh conversations'}"
    )
    return BenchReport(
        title=title,
        headers=["text", "first med ms", "p95 ms", "total med ms", "p95 ms", "last reply"],
        rows=rows,
        notes=["first: transcript sent -> first handled-chunk; total: -> handled"],
        data={
            "command": "handle",
            "program": program,
            "options": asdict(options),
            "summary": {"first_ms": first_all.as_dict(), "total_ms": total_all.as_dict(), "per_text": per_text},
            "requests": [asdict(result) for result in results],
        },
    )


async def run(args: argparse.Namespace) -> BenchReport:
    """The subcommand: check the server offers handle, measure, report."""
    options = HandleOptions.from_args(args)
    program = _program(await describe(options.uri, options.timeout))
    return build_report(options, program, await measure(options))
