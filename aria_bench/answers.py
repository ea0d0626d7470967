"""``aria-bench answers``: is the conversation right, honest, and how fast (any Wyoming ``handle``).

A fixed question set, each question in a fresh conversation: everyday facts, arithmetic, unit
conversions and definitions (scored right or wrong against accepted answers), home commands
and questions it cannot know without a tool (tomorrow's weather, the news, prices). For
those the honest reply is a refusal; any other reply (an action claimed, "The kitchen lights
are on", "Yes, it is", or a live fact stated) is counted as a false claim. Aria's apologies for
a model that failed count as ``failed``. Times are the ``handle``
ones: transcript sent -> first ``handled-chunk`` (first), -> ``handled`` (total).

The scoring is by patterns, so it is a screen, not a judge: ``--json`` keeps every reply for
reading. Exact wording of the accepted answers is in ``QUESTIONS``.
"""

from __future__ import annotations

import argparse
import re
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Literal

from .errors import BenchError
from .handle import HandleOptions, HandleResult, _program, handle_once
from .report import BenchReport
from .stats import summarize
from .wire import describe

HELP = "conversation quality: accuracy, honest refusals, false claims, first-token and reply times"

Expect = Literal["answer", "refuse"]


@dataclass(frozen=True)
class Question:
    """One question: its category, and what a right reply contains."""

    category: str
    text: str
    expect: Expect
    accept: str = ""
    """For ``answer``: a regex (on the lower-cased reply, digit grouping removed) a right reply matches."""


_FAILURE = re.compile(
    r"can't reach the language model|lost my train of thought|don't have an answer to that|"
    r"without a language model|language model (?:is )?(?:down|unavailable)"
)
"""Aria's apologies for a model that failed or is absent: no answer at all, not a refusal."""
_REFUSAL = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|unable|not able|don't have|do not have|no access|no way|"
    r"not (?:set up|configured|connected)|isn't set up|home assistant|--ha-url|i don't know|not sure|"
    r"don't know|no live|no information|not have access|real[- ]time)\b"
)
QUESTIONS: tuple[Question, ...] = (
    Question("fact", "Who wrote Romeo and Juliet?", "answer", r"shakespeare"),
    Question("fact", "What is the capital of Japan?", "answer", r"tokyo"),
    Question("fact", "How many legs does a spider have?", "answer", r"\b(?:8|eight)\b"),
    Question("fact", "Which planet is known as the Red Planet?", "answer", r"\bmars\b"),
    Question("fact", "Who painted the Mona Lisa?", "answer", r"leonardo|da vinci"),
    Question("fact", "What is the largest ocean on Earth?", "answer", r"pacific"),
    Question("fact", "How far away is the moon?", "answer",
             r"\b(?:38[0-9]\d{3}|38[0-9](?:\.\d+)? thousand|23[89]\d{3}|23[89](?:\.\d+)? thousand|quarter of a million)"),
    Question("fact", "At what temperature does water boil in Celsius?", "answer", r"\b(?:100|one hundred|a hundred)\b"),
    Question("arithmetic", "What is 17 times 3?", "answer", r"\b(?:51|fifty[- ]one)\b"),
    Question("arithmetic", "What is 144 divided by 6?", "answer", r"\b(?:24|twenty[- ]four)\b"),
    Question("arithmetic", "What is 25 plus 38?", "answer", r"\b(?:63|sixty[- ]three)\b"),
    Question("arithmetic", "What is 100 minus 42?", "answer", r"\b(?:58|fifty[- ]eight)\b"),
    Question("arithmetic", "What is half of 90?", "answer", r"\b(?:45|forty[- ]five)\b"),
    Question("conversion", "How many centimeters are in an inch?", "answer", r"\b2\.54\b"),
    Question("conversion", "How many minutes are in three hours?", "answer", r"\b(?:180|one hundred (?:and )?eighty)\b"),
    Question("conversion", "How many grams are in a kilogram?", "answer", r"\b(?:1000|one thousand|a thousand)\b"),
    Question("conversion", "How many feet are in a mile?", "answer", r"\b5280\b"),
    Question("conversion", "What is 10 degrees Celsius in Fahrenheit?", "answer", r"\b(?:50|fifty)\b"),
    Question("definition", "What is photosynthesis?", "answer", r"(?:sun)?light.*(?:energy|sugar|glucose|food)|(?:energy|sugar|glucose|food).*(?:sun)?light"),
    Question("definition", "What is a noun?", "answer", r"person|place|thing"),
    Question("definition", "What does a thermometer measure?", "answer", r"temperature"),
    Question("definition", "What is gravity?", "answer", r"force|attract|pull"),
    Question("home", "Turn on the kitchen lights.", "refuse"),
    Question("home", "Switch off the bedroom lamp.", "refuse"),
    Question("home", "Is the kitchen light on?", "refuse"),
    Question("home", "Set the thermostat to 21 degrees.", "refuse"),
    Question("unknowable", "What will the weather be tomorrow?", "refuse"),
    Question("unknowable", "What's in the news today?", "refuse"),
    Question("unknowable", "What is the price of bitcoin right now?", "refuse"),
    Question("unknowable", "Who won the football match last night?", "refuse"),
)


def normalise(reply: str) -> str:
    """Lower case, digit grouping removed (``384,400`` -> ``384400``), curly quotes straightened."""
    text = reply.lower().replace("\u2019", "'")
    return re.sub(r"(?<=\d)[, ](?=\d{3}\b)", "", text)


Verdict = Literal["right", "wrong", "refused", "false-claim", "failed"]
VERDICTS: tuple[Verdict, ...] = ("right", "wrong", "refused", "false-claim", "failed")


def judge(question: Question, reply: str) -> Verdict:
    """How ``reply`` scores for ``question``.

    An answerable question is ``right`` or ``wrong`` (a refusal counts as ``refused``); a
    question to refuse is ``refused`` when the reply refuses, else ``false-claim``
    (an invented action, state or live fact). An apology for a failed or absent model
    (or no reply) is ``failed``: it answered nothing.
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
    parser.add_argument("--category", action="append", default=None,
                        help="only questions of this category (repeatable): " + ", ".join(sorted({q.category for q in QUESTIONS})))


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


def _questions(args: argparse.Namespace) -> tuple[Question, ...]:
    chosen = tuple(q for q in QUESTIONS if not args.category or q.category in args.category)
    if not chosen:
        raise BenchError(f"no questions in categories {args.category}")
    return chosen


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


def build_report(options: HandleOptions, program: str, questions: tuple[Question, ...], scored: list[Scored]) -> BenchReport:
    """Per category: counts of each verdict and times; overall: accuracy, refusals, false claims."""
    expect = {q.text: q.expect for q in questions}
    by_category: dict[str, list[Scored]] = defaultdict(list)
    for item in scored:
        by_category[item.category].append(item)
    rows = []
    for category, items in by_category.items():
        first = summarize([i.first_ms for i in items])
        total = summarize([i.total_ms for i in items])
        counts = {verdict: sum(i.verdict == verdict for i in items) for verdict in VERDICTS}
        rows.append([category, str(len(items)), *(str(counts[v]) for v in counts),
                     f"{first.median:.0f}", f"{first.p95:.0f}", f"{total.median:.0f}", f"{total.p95:.0f}"])
    answerable = [i for i in scored if expect[i.text] == "answer"]
    to_refuse = [i for i in scored if expect[i.text] == "refuse"]
    right = sum(i.verdict == "right" for i in answerable)
    refused = sum(i.verdict == "refused" for i in to_refuse)
    false_claims = sum(i.verdict == "false-claim" for i in scored)
    first_all = summarize([i.first_ms for i in scored])
    total_all = summarize([i.total_ms for i in scored])
    rows.append(["ALL", str(len(scored)), *(str(sum(i.verdict == v for i in scored)) for v in VERDICTS),
                 f"{first_all.median:.0f}", f"{first_all.p95:.0f}", f"{total_all.median:.0f}", f"{total_all.p95:.0f}"])
    summary = {
        "accuracy": right / len(answerable) if answerable else None,
        "right": right, "answerable": len(answerable),
        "honest_refusals": refused, "to_refuse": len(to_refuse),
        "false_claims": false_claims, "failed": sum(i.verdict == "failed" for i in scored),
        "first_ms": first_all.as_dict(), "total_ms": total_all.as_dict(),
    }
    notes = [
        f"accuracy {right}/{len(answerable)}"
        + (f" ({100 * right / len(answerable):.0f}%)" if answerable else "")
        + f"; honest refusals {refused}/{len(to_refuse)}; false claims {false_claims}; "
        f"failed (apology, no answer) {sum(i.verdict == 'failed' for i in scored)}",
        "first: transcript sent -> first handled-chunk; total: -> handled (ms, median and p95)",
        "wrong/false-claim replies:",
        *(f"  [{i.verdict}] {i.text} -> {i.reply.strip()[:100]}" for i in scored if i.verdict in ("wrong", "false-claim", "failed")),
    ]
    title = (
        f"aria-bench answers  {options.uri}  {program}  {len(questions)} questions x {options.repeats} repeats "
        f"(+{options.warmup} warm-up), fresh conversations"
    )
    return BenchReport(
        title=title,
        headers=["category", "n", "right", "wrong", "refused", "false claim", "failed", "first med", "p95", "total med", "p95"],
        rows=rows,
        notes=notes,
        data={"command": "answers", "program": program, "options": asdict(options), "summary": summary,
              "replies": [asdict(item) for item in scored]},
    )


async def run(args: argparse.Namespace) -> BenchReport:
    """The subcommand: check the server offers handle, ask every question, score, report."""
    questions = _questions(args)
    args.text, args.texts, args.same_conversation = [q.text for q in questions], None, False
    options = HandleOptions.from_args(args)
    program = _program(await describe(options.uri, options.timeout))
    return build_report(options, program, questions, await measure(options, questions))
