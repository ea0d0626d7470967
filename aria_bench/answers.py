"""``aria-bench answers``: is the conversation right, honest, and how fast (any Wyoming ``handle``).

The question set (``question_set.py``; by default the 132 shipped in ``questions.jsonl``: facts,
counts, arithmetic, units, temperatures, dates, definitions, "why" questions, things nobody can
know from here, live data, home commands) is asked one question per fresh conversation. Each
reply is scored:

- ``right``: an answerable question, and the reply contains an accepted answer;
- ``wrong`` (**confidently wrong**): an answerable question, and the reply states something else
  without saying it is unsure;
- ``refused``: the reply says it does not know or cannot check ("I'm not sure", "I can't check
  that"). For a question to refuse that is the right reply; for an answerable one it is the
  honest cost of not knowing (or of a check that refused a right answer);
- ``false-claim``: a question to refuse got an answer anyway (an invented action, state, price);
- ``failed``: Aria's apology for a model that failed or is absent: no answer at all.

Times are the ``handle`` ones: transcript sent -> first ``handled-chunk`` (first text), ->
``handled`` (total); median and p95, per category and in total.

``--start-server`` runs the set against fresh ``aria-server``s started here, one after another,
one per ``--model`` (or ``--variant LABEL='--server options'``), and reports them side by side:
the old default and the new in one run. The scoring is by patterns, so it is a screen, not a
judge: ``--json`` keeps every reply for reading.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from .children import Child
from .errors import BenchError
from .handle import HandleOptions, HandleResult, _program, handle_once
from .question_set import DEFAULT_SET, Question, load_questions
from .report import BenchReport
from .stats import summarize
from .wire import describe

HELP = "conversation quality: right / confidently wrong / honest refusals / false claims, first-text latency"

QUESTIONS: tuple[Question, ...] = load_questions()
"""The shipped question set."""

_FAILURE = re.compile(
    r"can't reach the language model|lost my train of thought|don't have an answer to that|"
    r"without a language model|language model (?:is )?(?:down|unavailable)"
)
"""Aria's apologies for a model that failed or is absent: no answer at all, not a refusal."""
_REFUSAL = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|unable|not able|don't have|do not have|no access|no way|"
    r"not (?:set up|configured|connected)|isn't set up|home assistant|--ha-url|i don't know|not sure|"
    r"don't know|do not know|no live|no information|not have access|real[- ]time|impossible to|"
    r"no one (?:can|knows)|nobody (?:can|knows)|not possible to|unsure|not certain|i'd rather not guess)\b"
)

Verdict = Literal["right", "wrong", "refused", "false-claim", "failed"]
VERDICTS: tuple[Verdict, ...] = ("right", "wrong", "refused", "false-claim", "failed")


def normalise(reply: str) -> str:
    """Lower case, digit grouping removed (``384,400`` -> ``384400``), curly quotes straightened."""
    text = reply.lower().replace("\u2019", "'")
    return re.sub(r"(?<=\d)[, ](?=\d{3}\b)", "", text)


def judge(question: Question, reply: str) -> Verdict:
    """How ``reply`` scores for ``question``.

    An answerable question is ``right`` or (confidently) ``wrong``, or ``refused`` when the reply
    says it does not know; a question to refuse is ``refused`` when the reply refuses, else
    ``false-claim`` (an invented action, state or live fact). An apology for a failed or absent
    model (or no reply) is ``failed``: it answered nothing.
    """
    text = normalise(reply)
    if _FAILURE.search(text) or not text.strip():
        return "failed"
    if question.expect == "answer":
        if re.search(question.accept, text):
            return "right"
        return "refused" if _REFUSAL.search(text) else "wrong"
    # Anything but a refusal to a question it cannot know, or to a home command it cannot carry
    # out, is an invention: "Yes, it is.", "The news is about the new iPhone."
    return "refused" if _REFUSAL.search(text) else "false-claim"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this subcommand (the shared ones are added by ``__main__``)."""
    parser.add_argument("--language", default="en", help="language of the questions (default en)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_SET,
                        help="question set, JSON lines (default: the shipped questions.jsonl)")
    parser.add_argument("--category", action="append", default=None,
                        help="only questions of this category (repeatable): " + ", ".join(sorted({q.category for q in QUESTIONS})))
    parser.add_argument("--start-server", action="store_true",
                        help="start a fresh aria-server per --model/--variant here (Wyoming port from --uri; 0: any)")
    parser.add_argument("--model", action="append", default=[], metavar="NAME",
                        help="with --start-server: a server with --llm-model NAME (repeatable: side by side)")
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=OPTIONS",
                        help="with --start-server: a server with these options, e.g. "
                        "'checked=--llm-model qwen2.5-coder-1.5b-instruct --llm-consistency-check' (repeatable)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="OPTION",
                        help="with --start-server: an option for every server started, e.g. --server-arg=--llm-threads=2")


@dataclass(frozen=True)
class Scored:
    """One reply, scored."""

    category: str
    text: str
    repeat: int
    verdict: Verdict
    first_ms: float
    total_ms: float
    reply: str


@dataclass(frozen=True)
class Variant:
    """One server measured: its label and the aria-server options it was started with."""

    label: str
    options: tuple[str, ...] = ()


def _questions(args: argparse.Namespace) -> tuple[Question, ...]:
    questions = load_questions(args.questions)
    chosen = tuple(q for q in questions if not args.category or q.category in args.category)
    if not chosen:
        raise BenchError(f"no questions in categories {args.category}")
    return chosen


def _variants(args: argparse.Namespace) -> tuple[Variant, ...]:
    variants = [Variant(model, ("--llm-model", model)) for model in args.model]
    for text in args.variant:
        label, sep, options = text.partition("=")
        if not sep or not label:
            raise BenchError(f"--variant {text!r}: expected LABEL=OPTIONS")
        try:
            variants.append(Variant(label, tuple(shlex.split(options))))
        except ValueError as err:  # an unclosed quote: "don't" inside '...'
            raise BenchError(f"--variant {label}: its options are not shell words ({err})") from err
    if (variants or args.server_arg) and not args.start_server:
        raise BenchError("--model, --variant and --server-arg need --start-server")
    return tuple(variants) or (Variant("default" if args.start_server else "server"),)


async def measure(options: HandleOptions, questions: tuple[Question, ...]) -> list[Scored]:
    """Warm-up (unmeasured), then each question ``repeats`` times, each in a fresh conversation."""
    for index in range(options.warmup):
        await handle_once(options, questions[index % len(questions)].text, f"bench-{uuid.uuid4().hex[:12]}")
    scored = []
    for repeat in range(options.repeats):
        for question in questions:
            result: HandleResult = await handle_once(options, question.text, f"bench-{uuid.uuid4().hex[:12]}")
            scored.append(Scored(
                question.category, question.text, repeat, judge(question, result.reply),
                result.first_ms, result.total_ms, result.reply,
            ))
    return scored


def summary_of(questions: Sequence[Question], scored: Sequence[Scored]) -> dict[str, Any]:
    """Counts and times of one server's replies (what the JSON and the comparison carry)."""
    expect = {q.text: q.expect for q in questions}
    answerable = [i for i in scored if expect[i.text] == "answer"]
    to_refuse = [i for i in scored if expect[i.text] == "refuse"]
    right = sum(i.verdict == "right" for i in answerable)
    return {
        "accuracy": right / len(answerable) if answerable else None,
        "right": right, "answerable": len(answerable),
        "confidently_wrong": sum(i.verdict == "wrong" for i in answerable),
        "refused_answerable": sum(i.verdict == "refused" for i in answerable),
        "honest_refusals": sum(i.verdict == "refused" for i in to_refuse), "to_refuse": len(to_refuse),
        "false_claims": sum(i.verdict == "false-claim" for i in scored),
        "failed": sum(i.verdict == "failed" for i in scored),
        "first_ms": summarize([i.first_ms for i in scored]).as_dict(),
        "total_ms": summarize([i.total_ms for i in scored]).as_dict(),
    }


def _row(label: str, category: str, items: Sequence[Scored]) -> list[str]:
    first = summarize([i.first_ms for i in items])
    total = summarize([i.total_ms for i in items])
    counts = [str(sum(i.verdict == verdict for i in items)) for verdict in VERDICTS]
    return [label, category, str(len(items)), *counts,
            f"{first.median:.0f}", f"{first.p95:.0f}", f"{total.median:.0f}", f"{total.p95:.0f}"]


def build_report(
    options: HandleOptions, program: str, questions: tuple[Question, ...],
    results: Sequence[tuple[Variant, Sequence[Scored]]],
) -> BenchReport:
    """Per server and category: counts of each verdict and times; then one line per server in total."""
    rows = []
    variants: list[dict[str, Any]] = []
    notes = []
    for variant, scored in results:
        by_category: dict[str, list[Scored]] = defaultdict(list)
        for item in scored:
            by_category[item.category].append(item)
        rows += [_row(variant.label, category, items) for category, items in by_category.items()]
        summary = summary_of(questions, scored)
        variants.append({"label": variant.label, "server_options": list(variant.options), "summary": summary,
                         "replies": [asdict(item) for item in scored]})
        notes.append(
            f"{variant.label}: right {summary['right']}/{summary['answerable']}"
            + (f" ({100 * summary['accuracy']:.0f}%)" if summary["answerable"] else "")
            + f"; confidently wrong {summary['confidently_wrong']}; refused answerable {summary['refused_answerable']}; "
            f"honest refusals {summary['honest_refusals']}/{summary['to_refuse']}; false claims {summary['false_claims']}; "
            f"failed (apology, no answer) {summary['failed']}; first text median {summary['first_ms']['median']:.0f} ms, "
            f"p95 {summary['first_ms']['p95']:.0f} ms"
        )
    rows += [_row(variant.label, "ALL", scored) for variant, scored in results]
    if any(variant["summary"]["failed"] for variant in variants):
        notes.append(
            "WARNING: the model failed (no first token in time, then cool-down): on a busy machine the "
            "accuracy is not the model's; rerun on a quiet one"
        )
    notes += [
        "wrong = confidently wrong (no doubt said); refused = 'I don't know' / 'I can't check'; "
        "first: transcript sent -> first handled-chunk; total: -> handled (ms, median and p95)",
        "wrong/false-claim/failed replies:",
        *(f"  {variant.label} [{i.verdict}] {i.text} -> {i.reply.strip()[:100]}"
          for variant, scored in results for i in scored if i.verdict in ("wrong", "false-claim", "failed")),
    ]
    title = (
        f"aria-bench answers  {options.uri}  {program}  {len(questions)} questions x {options.repeats} repeats "
        f"(+{options.warmup} warm-up), fresh conversations"
    )
    data: dict[str, Any] = {"command": "answers", "program": program, "options": asdict(options), "variants": variants}
    if len(variants) == 1:
        data["summary"], data["replies"] = variants[0]["summary"], variants[0]["replies"]
    return BenchReport(
        title=title,
        headers=["server", "category", "n", "right", "conf. wrong", "refused", "false claim", "failed",
                 "first med", "p95", "total med", "p95"],
        rows=rows,
        notes=notes,
        data=data,
    )


async def _start_server(uri: str, variant: Variant, shared: Sequence[str], work: Path) -> tuple[Child, str]:
    """A fresh aria-server with ``variant``'s options; (the child, its Wyoming URI) once it is ready."""
    port = re.search(r":(\d+)$", uri)
    data = work / f"server-{time.monotonic_ns()}"
    child = await Child.start(
        sys.executable, "-m", "aria_server", "--data-dir", str(data), "--no-zeroconf",
        "--wyoming-port", port.group(1) if port else "0", "--http-port", "0", *shared, *variant.options,
    )
    try:
        ready = await child.wait_line(r"Aria is ready: Wyoming tcp://(\S+):(\d+)", 600)
    except BaseException:
        await child.stop()
        raise
    return child, f"tcp://127.0.0.1:{ready.group(2)}"


async def run(args: argparse.Namespace) -> BenchReport:
    """The subcommand: per server, check it offers handle, ask every question, score; report side by side."""
    questions = _questions(args)
    variants = _variants(args)
    args.text, args.texts, args.same_conversation = [q.text for q in questions], None, False
    options = HandleOptions.from_args(args)
    results: list[tuple[Variant, list[Scored]]] = []
    programs = []
    with tempfile.TemporaryDirectory(prefix="aria-bench-answers-") as work:
        for variant in variants:
            child = None
            served = options
            if args.start_server:
                child, uri = await _start_server(options.uri, variant, args.server_arg, Path(work))
                served = replace(options, uri=uri)
            try:
                programs.append(_program(await describe(served.uri, served.timeout)))
                results.append((variant, await measure(served, questions)))
            finally:
                if child is not None:
                    await child.stop()
    return build_report(options, " / ".join(dict.fromkeys(programs)), questions, results)
