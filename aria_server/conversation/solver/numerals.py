"""Numerals as people say them: spoken words to digits, and exact values back to short speech.

    >>> to_digits("what is seventeen times twenty-three")
    'what is 17 times 23'
    >>> to_digits("one hundred and five plus two point five")
    '105 plus 2.5'
    >>> to_digits("the twenty fifth of december")
    'the 25th of december'
    >>> speak(Fraction(391)), speak(Fraction(10, 3)), speak(Fraction(254, 100)), speak(Fraction(-40))
    ('391', 'about 3.333', '2.54', 'minus 40')

Values are ``fractions.Fraction`` throughout, so "0.1 plus 0.2" is 0.3 and a conversion by an
exact factor (an inch is 2.54 cm by definition) is said exactly; ``speak`` says "about" whenever
it rounds. Text only, English only; nothing here evaluates anything.
"""

from __future__ import annotations

import re
from fractions import Fraction

_ONES = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_ORDINAL_ONES = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
_ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30}
MAX_DIGITS = 18
"""Longest number (digits before the point) the solver works with: beyond it, it is no everyday question."""


def _word_value(word: str) -> int | None:
    return _ONES.get(word, _TENS.get(word))


def _ordinal_suffix(n: int) -> str:
    return "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


class _Reader:
    """Reads one spoken number starting at ``words[start]``: (text of its value, words used)."""

    def __init__(self, words: list[str], start: int) -> None:
        self.words = words
        self.i = start

    def peek(self, offset: int = 0) -> str:
        index = self.i + offset
        return self.words[index] if index < len(self.words) else ""

    def read(self) -> str | None:
        total, group, seen, big = 0, 0, False, False
        while True:
            word = self.peek()
            if word in ("a", "an") and self.peek(1) in ("hundred", *_SCALES) and not seen:
                group, seen = 1, True
                self.i += 1
                continue
            if (value := _word_value(word)) is not None and not (seen and group % 100 and value < 100 and not (group % 100 >= 20 and group % 10 == 0 and value < 10)):
                group += value
                seen = True
                self.i += 1
                continue
            if word in _ORDINAL_ONES or word in _ORDINAL_TENS:
                value = _ORDINAL_ONES.get(word) or _ORDINAL_TENS[word]
                if not seen or (group % 100 >= 20 and group % 10 == 0 and value < 10) or (group % 100 == 0):
                    self.i += 1
                    n = total + group + value
                    return f"{n}{_ordinal_suffix(n)}"
                break
            if word == "hundred" and seen and group % 100 == group and group < 100:
                group = (group or 1) * 100
                big = True
                self.i += 1
                continue
            if word in _SCALES and seen:
                total += (group or 1) * _SCALES[word]
                group, big = 0, True
                self.i += 1
                continue
            if word == "and" and big and seen and _word_value(self.peek(1)) is not None and (group % 100 == 0):
                self.i += 1  # "one hundred and five"
                continue
            break
        if not seen:
            return None
        value_text = str(total + group)
        if self.peek() == "point" and self.peek(1) in _ONES:
            self.i += 1
            decimals = ""
            while self.peek() in _ONES and _ONES[self.peek()] < 10:
                decimals += str(_ONES[self.peek()])
                self.i += 1
            value_text += f".{decimals}"
        return value_text


def to_digits(text: str) -> str:
    """``text`` with its spoken numbers written in digits (ordinals as ``25th``), lower case.

    Hyphens inside number words go ("twenty-three"); digit grouping goes ("5,280" -> "5280").
    Words that are not numbers are left as they are.
    """
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"\b([a-z]+)-([a-z]+)\b", lambda m: f"{m.group(1)} {m.group(2)}" if _is_number_word(m.group(1)) else m.group(0), text)
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        core = word.rstrip("?.!,;:")
        tail = word[len(core):]
        if tail or not _is_number_word(core) and core not in ("a", "an"):
            if _is_number_word(core) and not (core == "oh"):
                reader = _Reader([core], 0)
                value = reader.read()
                out.append(f"{value}{tail}" if value is not None else word)
            else:
                out.append(word)
            i += 1
            continue
        reader = _Reader([w.rstrip("?.!,;:") for w in words], i)
        value = reader.read()
        if value is None or (core == "oh" and reader.i - i == 1):
            out.append(word)
            i += 1
            continue
        # Keep punctuation that ended the number's last word ("... twenty three?").
        last = words[reader.i - 1]
        out.append(value + last[len(last.rstrip("?.!,;:")):])
        i = reader.i
    return " ".join(out)


def _is_number_word(word: str) -> bool:
    return word in _ONES or word in _TENS or word in _SCALES or word == "hundred" or word in _ORDINAL_ONES or word in _ORDINAL_TENS


def parse_number(text: str) -> Fraction | None:
    """``text`` (digits, after ``to_digits``) as an exact value; None when it is not one number."""
    match = re.fullmatch(r"(-)?(\d{1,18})(?:\.(\d{1,12}))?", text.strip())
    if match is None:
        return None
    value = Fraction(int(match.group(2))) + (Fraction(int(match.group(3)), 10 ** len(match.group(3))) if match.group(3) else 0)
    return -value if match.group(1) else value


def too_big(value: Fraction) -> bool:
    """Whether ``value`` is beyond what the solver says (more than ``MAX_DIGITS`` digits)."""
    return abs(value) >= 10**MAX_DIGITS


def speak(value: Fraction, places: int = 3) -> str:
    """``value`` as a short spoken number: exact when it has at most ``places`` decimals, else
    "about" and rounded (to ``places`` decimals, or to four significant digits below 1).

    Thousands are grouped from 10,000 up ("5280", "384,400"), as people read them.
    """
    if value.denominator == 1:
        return _grouped(int(value))
    scaled = value * 10**places
    if scaled.denominator == 1:
        return _decimal(value, places)
    if abs(value) < 1:
        # 1/300 is "about 0.003333", not "about 0.003": four significant digits.
        digits = places
        while abs(value) * 10**digits < 1000 and digits < 12:
            digits += 1
        return f"about {_decimal(Fraction(round(value * 10**digits), 10**digits), digits)}"
    return f"about {_decimal(Fraction(round(scaled), 10**places), places)}"


def _decimal(value: Fraction, places: int) -> str:
    sign = "minus " if value < 0 else ""  # "-40" is read as a dash by some voices
    value = abs(value)
    whole = int(value)
    fraction = round((value - whole) * 10**places)
    text = _grouped(whole)
    if fraction:
        text += "." + str(fraction).rjust(places, "0").rstrip("0")
    if text == "0" and not fraction:
        return "0"
    return sign + text


def _grouped(n: int) -> str:
    if n < 0:
        return f"minus {_grouped(-n)}"
    return f"{n:,}" if n >= 10_000 else str(n)
