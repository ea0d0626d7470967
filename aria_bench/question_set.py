"""``aria-bench answers``' question sets: JSON lines, one question each, shipped with the bench.

    {"category": "arithmetic", "question": "What is 17 times 23?", "expect": "answer", "accept": "\\\\b391\\\\b"}
    {"category": "live-data", "question": "What will the weather be tomorrow?", "expect": "refuse"}

``accept`` is a regex searched in the lower-cased reply with digit grouping removed (``384,400``
-> ``384400``); ``expect: refuse`` marks a question only an honest refusal answers (live data,
things nobody can know from here, home commands without home control). Lines holding only a
``comment`` are skipped. The default set is ``questions.jsonl`` next to this module (132
questions in 11 categories); ``--questions FILE`` reads another.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import BenchError

Expect = Literal["answer", "refuse"]
DEFAULT_SET = Path(__file__).with_name("questions.jsonl")


@dataclass(frozen=True)
class Question:
    """One question: its category, and what a right reply contains."""

    category: str
    text: str
    expect: Expect
    accept: str = ""
    """For ``answer``: a regex (on the lower-cased reply, digit grouping removed) a right reply matches."""


def load_questions(path: Path = DEFAULT_SET) -> tuple[Question, ...]:
    """The questions of ``path`` in file order (BenchError naming the line when one is malformed)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise BenchError(f"cannot read the question set {path}: {err}") from err
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if set(row) == {"comment"}:
                continue
            question = Question(row["category"], row["question"], row["expect"], row.get("accept", ""))
            if question.expect not in ("answer", "refuse") or (question.expect == "answer" and not question.accept):
                raise ValueError("expect must be answer (with accept) or refuse")
            re.compile(question.accept)
        except (ValueError, KeyError, TypeError, re.error) as err:
            raise BenchError(f"{path}:{number}: not a question ({err})") from err
        questions.append(question)
    if not questions:
        raise BenchError(f"{path} holds no questions")
    return tuple(questions)
