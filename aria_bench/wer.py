"""Word error rate on normalised text: case, punctuation and number spelling do not count.

``normalise("Set a timer for 5 minutes.") == normalise("set a timer for five minutes")``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .numbers import spell_numbers

_SYMBOLS = {"%": " percent ", "°": " degrees ", "&": " and ", "’": "'", "‘": "'"}


def normalise(text: str) -> list[str]:
    """Lower-case words, numbers spelt out, apostrophes and abbreviation dots removed.

    ``"It's 21°C, turn-on the A.C."`` becomes ``["its", "twenty", "one", "degrees", "c",
    "turn", "on", "the", "ac"]``. Contractions are not expanded ("what's" stays "whats").
    """
    text = text.lower()
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = spell_numbers(text)
    # Dropping (not spacing) these keeps "p.m." == "pm" and "it's" == "its".
    text = re.sub(r"['.]", "", text)
    text = re.sub(r"[\W_]+", " ", text)
    return text.split()


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance on words: substitutions + deletions + insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,  # deletion
                    current[j - 1] + 1,  # insertion
                    previous[j - 1] + (ref_word != hyp_word),  # substitution or match
                )
            )
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class WordErrors:
    """Errors of one hypothesis against its reference, in words."""

    errors: int
    words: int

    @property
    def rate(self) -> float:
        """Errors per reference word; an empty reference scores 0 only for an empty hypothesis."""
        if self.words == 0:
            return 0.0 if self.errors == 0 else float(self.errors)
        return self.errors / self.words


def score(reference: str, hypothesis: str) -> WordErrors:
    """Word errors of ``hypothesis`` after normalising both texts."""
    ref_words = normalise(reference)
    return WordErrors(errors=edit_distance(ref_words, normalise(hypothesis)), words=len(ref_words))


def corpus_wer(scores: Iterable[WordErrors]) -> float:
    """Total errors over total reference words (not a mean of per-clip rates)."""
    items = list(scores)
    words = sum(item.words for item in items)
    errors = sum(item.errors for item in items)
    if words == 0:
        return 0.0 if errors == 0 else float(errors)
    return errors / words
