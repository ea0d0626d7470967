"""The solver's one entry point: which of the calculators recognises the question.

Order matters where two could read one question: a temperature ("10 degrees Celsius in
Fahrenheit") before arithmetic, calendar questions ("how many days until Christmas") before
units ("how many days in a week"). Each calculator returns None unless the *whole* question is
its kind, so a question that merely contains a number ("how many legs does a spider have")
reaches the model as before. Pure, bounded string work: safe to call on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from . import arithmetic, dates, temperature, units

Kind = Literal["temperature", "date", "units", "arithmetic"]
MAX_CHARS = 200
"""Longer text is no spoken calculation: not looked at (bounds the regex work)."""


@dataclass(frozen=True)
class Solution:
    """A computed answer: the sentence to say and which calculator made it."""

    text: str
    kind: Kind


def solve(text: str, today: date) -> Solution | None:
    """The computed answer to ``text`` (English), or None when no calculator recognises it.

    ``today``: the local date, for calendar questions ("how many days until ...").

        >>> solve("What is 17 times 23?", date(2026, 12, 6))
        Solution(text='17 times 23 is 391.', kind='arithmetic')
        >>> solve("Who wrote Romeo and Juliet?", date(2026, 12, 6)) is None
        True
    """
    if not text or len(text) > MAX_CHARS:
        return None
    if (said := temperature.answer(text)) is not None:
        return Solution(said, "temperature")
    if (said := dates.answer(text, today)) is not None:
        return Solution(said, "date")
    if (said := units.answer(text)) is not None:
        return Solution(said, "units")
    if (said := arithmetic.answer(text)) is not None:
        return Solution(said, "arithmetic")
    return None
