"""What "the same words" means everywhere in Aria: one normaliser for transcripts, intents, the
truth guard and Home Assistant's names.

Contract (``words``; ``normalise`` is the same joined by single spaces):

- case is folded with ``str.lower`` (not ``casefold``: "ß" stays one letter for the German data);
- a curly apostrophe (’) is a straight one, and an apostrophe inside a word is part of it
  ("what's", "Bob's"); at a word's edge it is a quote and dropped ("'kitchen'" -> kitchen);
- a decimal point between digits is kept ("1.5"), so a number stays one word;
- every other mark is a word break: hyphens ("lamp-2"), underscores ("living_room", as entity
  ids write names), slashes, quotes and punctuation; runs of white space are one space.

    >>> normalise("  What’s the TIME, Aria?  Set a 1.5-hour timer.")
    "what's the time aria set a 1.5 hour timer"
    >>> words("Bob's living_room lamp-2")
    ("bob's", 'living', 'room', 'lamp', '2')

Before this module five places each had their own rule and disagreed on exactly these marks
(``tests/test_text.py`` keeps the cases).
"""

from __future__ import annotations

import re

_CURLY_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})
# A word: letters/digits (no underscore), with inner apostrophes or decimal points between digits.
_WORD = re.compile(r"[^\W_]+(?:(?:'|(?<=\d)\.(?=\d))[^\W_]+)*")


def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` as Aria compares them (see the module docstring)."""
    return tuple(_WORD.findall(text.translate(_CURLY_APOSTROPHES).lower()))


def normalise(text: str) -> str:
    """``text``'s words joined by single spaces: the form patterns and names are matched on."""
    return " ".join(words(text))


def same_words(first: str, second: str) -> bool:
    """Whether two texts say the same words, whatever their case, punctuation and spacing."""
    return words(first) == words(second)
