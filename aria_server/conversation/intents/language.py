"""What a language must provide for the local intents: patterns, words and response templates.

A language is data (``en.py``): adding one means writing such a module and listing it in
``intents/__init__.py``; no code changes. Patterns are regular expressions matched against the
*whole* normalised utterance (lower case, punctuation removed), so "what time is it" matches
but "what time does the shop close" does not and goes to the language model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ...text import normalise as normalise  # re-exported: patterns are matched on this form

INTENTS = (
    "time", "date", "timer_set", "timer_cancel", "timer_cancel_all", "timer_status", "timer_add",
    "help", "greeting", "how_are_you", "thanks", "stop",
)
"""Every intent a language may give patterns for (handled in ``handlers.py``)."""


@dataclass(frozen=True, eq=False)
class LanguageData:
    """One language's share of the local intents (hashed by identity: compiled once per language)."""

    code: str
    """ISO 639-1 code (``en``); a request's ``en-US`` is served by ``en``."""
    patterns: Mapping[str, Sequence[str]]
    """Intent -> regexes tried in order; named groups ``duration`` and ``name`` are slots."""
    responses: Mapping[str, str]
    """Response key -> ``str.format`` template (see ``en.py`` for the keys and their fields)."""
    fillers: Sequence[str]
    """Regexes of politeness stripped from the start or end before matching (``please``)."""
    numbers: Mapping[str, int]
    """Number words (``five``, ``twenty``; the articles ``a``/``an`` as 1)."""
    articles: frozenset[str]
    """Words that mean one when a unit follows (``a minute``) and nothing otherwise."""
    fractions: Mapping[str, float]
    """``half`` -> 0.5, ``quarter`` -> 0.25."""
    connectors: frozenset[str]
    """Words ignored inside a duration (``and``)."""
    units: Mapping[str, int]
    """Unit word (any spelling) -> seconds."""
    unit_names: Mapping[int, tuple[str, str]]
    """Seconds -> (singular, plural) for speaking a duration."""
    weekdays: Sequence[str]
    """Monday first, as ``datetime.weekday()`` counts."""
    months: Sequence[str]
    """January first."""
    ordinal: Callable[[int], str]
    """1 -> ``1st``: the day of the month as spoken in a date."""
    join_last: str
    """Joins the last two items of a spoken list (`` and ``)."""
    unfinished: Sequence[str] = ()
    """Regexes searched in the normalised utterance (fillers stripped) that mean the speaker has
    not finished: it ends on an article or a preposition, or is a command still missing its
    object ("set a timer"). A pause after such words is thinking, not the end of the turn."""

    def join(self, items: Sequence[str]) -> str:
        """``a, b and c``."""
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + self.join_last + items[-1]


