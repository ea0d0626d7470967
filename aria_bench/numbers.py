"""Spelling numbers as words, so that "5" and "five" score the same in the WER."""

from __future__ import annotations

import re

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}

NUMBER = re.compile(r"\d+(?::\d\d|\.\d+)?(?:st|nd|rd|th)?")
"""A number as transcribers write it: ``5``, ``2.5``, ``6:30``, ``21st``."""


def cardinal(n: int) -> str:
    """``21 -> "twenty one"``; ``1005 -> "one thousand five"`` (no "and": Whisper rarely writes it)."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    for scale, name in _SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return f"{cardinal(high)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError("unreachable")


def ordinal(n: int) -> str:
    """``21 -> "twenty first"``, ``12 -> "twelfth"``, ``40 -> "fortieth"``."""
    words = cardinal(n).split()
    last = words[-1]
    if last in _ORDINALS:
        words[-1] = _ORDINALS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def spell(token: str) -> str:
    """One ``NUMBER`` match as words: ``"6:30" -> "six thirty"``, ``"2.5" -> "two point five"``."""
    if token[-2:] in ("st", "nd", "rd", "th"):
        return ordinal(int(token[:-2]))
    if ":" in token:
        hours, minutes = token.split(":")
        if minutes == "00":
            return cardinal(int(hours))
        # "6:05" is said "six oh five".
        spoken_minutes = cardinal(int(minutes)) if int(minutes) >= 10 else f"oh {cardinal(int(minutes))}"
        return f"{cardinal(int(hours))} {spoken_minutes}"
    if "." in token:
        whole, fraction = token.split(".")
        return f"{cardinal(int(whole))} point " + " ".join(_ONES[int(d)] for d in fraction)
    return cardinal(int(token))


def spell_numbers(text: str) -> str:
    """Every number in ``text`` replaced by its words; thousands separators are dropped first."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return NUMBER.sub(lambda match: f" {spell(match.group(0))} ", text)
