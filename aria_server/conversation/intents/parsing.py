"""Matching an utterance to an intent, and reading and speaking durations, for any language.

Pure functions over ``LanguageData``; nothing here knows English.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .language import INTENTS, LanguageData, normalise


@dataclass(frozen=True)
class IntentMatch:
    """An utterance recognised as an intent, with its slots (``duration`` in seconds, ``name``)."""

    intent: str
    slots: Mapping[str, str | int] = field(default_factory=dict)


@functools.cache
@functools.cache
def _unfinished(language: LanguageData) -> list[re.Pattern[str]]:
    return [re.compile(pattern) for pattern in language.unfinished]


def sounds_unfinished(text: str, language: LanguageData) -> bool:
    """Whether ``text`` stops where a request cannot end (the speaker is still thinking).

        >>> from .en import LANGUAGE
        >>> sounds_unfinished("Set a timer for", LANGUAGE), sounds_unfinished("set a timer", LANGUAGE)
        (True, True)
        >>> sounds_unfinished("Set a timer for ten minutes.", LANGUAGE)
        False
    """
    utterance = strip_fillers(text, language)
    return bool(utterance) and any(regex.search(utterance) for regex in _unfinished(language))


@functools.cache
def _compiled(language: LanguageData) -> tuple[list[re.Pattern[str]], list[tuple[str, list[re.Pattern[str]]]]]:
    fillers = [re.compile(pattern) for pattern in language.fillers]
    patterns = [
        (intent, [re.compile(pattern) for pattern in language.patterns[intent]])
        for intent in INTENTS
        if intent in language.patterns
    ]
    return fillers, patterns


def strip_fillers(text: str, language: LanguageData) -> str:
    """The normalised utterance without leading and trailing politeness (repeatedly)."""
    fillers, _ = _compiled(language)
    text = normalise(text)
    changed = True
    while changed and text:
        changed = False
        for filler in fillers:
            stripped = filler.sub("", text, count=1).strip()
            if stripped != text:
                text, changed = stripped, True
    return text


def match_intent(text: str, language: LanguageData) -> IntentMatch | None:
    """The first intent whose pattern matches the whole utterance and whose slots parse.

        >>> from .en import LANGUAGE
        >>> match_intent("Could you set a timer for two and a half minutes, please?", LANGUAGE)
        IntentMatch(intent='timer_set', slots={'duration': 150})
    """
    _, patterns = _compiled(language)
    utterance = strip_fillers(text, language)
    for intent, regexes in patterns:
        for regex in regexes:
            found = regex.fullmatch(utterance)
            if found is None:
                continue
            slots: dict[str, str | int] = {}
            groups = {key: value for key, value in found.groupdict().items() if value}
            if "duration" in groups:
                seconds = parse_duration(groups["duration"], language)
                if seconds is None:
                    continue  # "set a pasta timer" is not a duration: try the next pattern
                slots["duration"] = seconds
            if "name" in groups:
                slots["name"] = groups["name"]
            return IntentMatch(intent, slots)
    return None


_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d]+(?:'[^\W\d]+)?")


def parse_duration(text: str, language: LanguageData) -> int | None:
    """Seconds in a spoken duration, or None when it is not one.

        >>> from .en import LANGUAGE
        >>> [parse_duration(t, LANGUAGE) for t in ("5 minutes", "an hour and a half", "half an hour",
        ...  "twenty five seconds", "1.5 hours", "2 hours 10 minutes", "a couple of minutes", "pasta")]
        [300, 5400, 1800, 25, 5400, 7800, 120, None]

    A unit named twice is not one duration ("10 minutes 10 minutes" is a repeated phrase, not
    20 minutes): None, so no timer is set for a length nobody said.
    """
    total = 0.0
    value: float | None = None  # the number being read
    article = False  # value is only an article's "one"
    fraction: float | None = None  # "half" waiting for its unit
    last_unit: int | None = None
    named: set[int] = set()  # units already read
    for token in _TOKEN.findall(text.lower()):
        if token in language.connectors:
            continue
        if token in language.articles:
            if value is None and fraction is None:
                value, article = 1.0, True
            continue
        if token[0].isdigit():
            value, article = float(token), False
        elif token in language.numbers:
            number = language.numbers[token]
            if value is not None and not article and number >= 100:
                value *= number  # "two hundred"
            elif value is not None and not article and value >= 20 and value % 10 == 0 and number < 10:
                value += number  # "twenty five"
            else:
                value = float(number)
            article = False
        elif token in language.fractions:
            part = language.fractions[token]
            if value is not None and not article:
                value += part  # "one and a half"
            elif last_unit is not None and value is not None:
                total += part * last_unit  # "an hour and a half"
                value = None
            else:
                fraction, value = part, None  # "half an hour", "a half hour"
            article = False
        elif token in language.units:
            amount = value if value is not None else fraction
            if amount is None:
                return None
            last_unit = language.units[token]
            if last_unit in named:
                return None
            named.add(last_unit)
            total += amount * last_unit
            value, fraction, article = None, None, False
        else:
            return None
    if value is not None and not article:
        return None  # a number without a unit
    seconds = round(total)
    return seconds if seconds > 0 else None


def speak_duration(seconds: int, language: LanguageData) -> str:
    """``5400`` -> ``1 hour and 30 minutes`` (largest units first, zero parts left out)."""
    parts = []
    remaining = max(0, seconds)
    for unit in sorted(language.unit_names, reverse=True):
        count, remaining = divmod(remaining, unit)
        if count:
            singular, plural = language.unit_names[unit]
            parts.append(f"{count} {singular if count == 1 else plural}")
    if not parts:
        singular, plural = language.unit_names[min(language.unit_names)]
        parts.append(f"0 {plural}")
    return language.join(parts)
