"""Which of the offered answers the user gave to a question the house asked (``ask``).

    match_answer("yes please", [Answer("yes", ("yes", "sure")), Answer("no", ("no", "not now"))]) -> "yes"

An answer matches when one of its sentences stands in what was heard as whole words (after
lower-casing and removing punctuation), so "sure, do it" matches "sure"; the first answer, in the
order given, wins. None when nothing matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..conversation.intents.language import normalise


@dataclass(frozen=True)
class Answer:
    """One possible answer: its id and the sentences that mean it."""

    id: str
    sentences: tuple[str, ...]


def match_answer(heard: str, answers: Sequence[Answer]) -> str | None:
    """The id of the first answer one of whose sentences was said, else None."""
    said = f" {normalise(heard)} "
    for answer in answers:
        for sentence in answers_sentences(answer):
            if sentence and re.search(rf"(?<!\S){re.escape(sentence)}(?!\S)", said):
                return answer.id
    return None


def answers_sentences(answer: Answer) -> list[str]:
    """The answer's sentences, normalised like the transcript."""
    return [normalise(sentence) for sentence in answer.sentences]
