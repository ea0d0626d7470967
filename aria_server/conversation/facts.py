"""The key facts of a short answer (its numbers and its names), and whether a longer answer
states the same ones: the comparison behind the consistency check (``consistency.py``).

    >>> brief = key_facts("384,400 km", "How far away is the moon?")
    >>> agree(brief, "The moon is about 384,400 kilometers from Earth.")
    True
    >>> agree(brief, "The moon is about 149 million kilometers away.")
    False
    >>> agree(key_facts("William Shakespeare.", "Who wrote Hamlet?"), "Hamlet was written by Shakespeare.")
    True

Numbers are compared as values ("eight" is 8, "384,400" is 384400, "149 million" is 149000000),
within ``TOLERANCE`` (an answer may round: "about 384,000 km"). Names are the capitalised
words of the short answer that the question did not contain, compared case-insensitively as
words (a possessive "'s" dropped). The short answer's first word counts only when the whole
answer is a capitalised name ("Mars", "Neil Armstrong"): "Light energy to chemical energy" is
capitalised only because it starts a sentence. A short answer with neither has nothing to compare (``agree`` says None): the check
then lets the answer through, since it can only judge facts it can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .solver.numerals import to_digits

TOLERANCE = Fraction(2, 100)
"""Two numbers agree when they differ by at most this share of the larger (rounding in speech)."""
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?:\s+(thousand|million|billion|trillion))?\b")
_NOT_NAMES = frozenset(
    "i i'm i'd i'll it it's its the a an this that these those there they he she we you yes no not "
    "about approximately around roughly nearly almost over under some many most because so and or but "
    "in on at of by for to from with as is are was were be been answer sorry well".split()
)
_DOUBT = re.compile(
    r"\b(?:i don't know|i do not know|i'm not sure|i am not sure|not certain|unknown|no one knows|"
    r"i can't (?:say|know|tell)|i cannot (?:say|know|tell)|unsure)\b"
)


@dataclass(frozen=True)
class KeyFacts:
    """What a short answer asserts that another answer can be checked against."""

    numbers: frozenset[Fraction]
    names: frozenset[str]
    """Lower case."""
    doubt: bool
    """The short answer itself said it does not know."""

    @property
    def empty(self) -> bool:
        """Nothing to compare: no number and no name."""
        return not self.numbers and not self.names


def numbers_in(text: str) -> frozenset[Fraction]:
    """The values of the numbers ``text`` says, in digits or in words."""
    digits = to_digits(text.replace("\u2019", "'"))
    digits = re.sub(r"(?<=\d),(?=\d{3}\b)", "", digits)
    found = set()
    for match in _NUMBER.finditer(digits):
        value = Fraction(match.group(1))
        if match.group(2):
            value *= _SCALES[match.group(2)]
        found.add(value)
    return frozenset(found)


def _words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text.replace("\u2019", "'"))
    return [re.sub(r"'s?$", "", word) for word in words]


def key_facts(brief: str, question: str = "") -> KeyFacts:
    """The numbers and names of ``brief`` (a short answer to ``question``) that the question lacks."""
    asked_numbers = numbers_in(question)
    asked_words = {word.lower() for word in _words(question)}
    words = _words(brief)
    # The first word is capitalised anyway; it is a name only when the whole answer is one.
    whole_name = bool(words) and all(word[0].isupper() or word.lower() in _NOT_NAMES for word in words)
    names = {
        word.lower() for index, word in enumerate(words)
        if (index > 0 or whole_name) and word[0].isupper() and word.lower() not in _NOT_NAMES
        and word.lower() not in asked_words and len(word) > 1
    }
    return KeyFacts(
        numbers=frozenset(n for n in numbers_in(brief) if n not in asked_numbers),
        names=frozenset(names),
        doubt=bool(_DOUBT.search(brief.lower().replace("\u2019", "'"))),
    )


def _close(a: Fraction, b: Fraction) -> bool:
    if a == b:
        return True
    larger = max(abs(a), abs(b))
    return larger > 0 and abs(a - b) <= TOLERANCE * larger


def agree(brief: KeyFacts, answer: str) -> bool | None:
    """Whether ``answer`` states the brief answer's facts: True, False, or None (nothing to compare).

    With numbers in the brief answer the answer's numbers decide (one in common agrees); an
    answer that says no number at all is judged on names, if any. Otherwise a name of the brief
    answer must appear in it.
    """
    if brief.empty:
        return None
    if brief.numbers:
        said = numbers_in(answer)
        if said:
            return any(_close(a, b) for a in brief.numbers for b in said)
        if not brief.names:
            return None
    words = {word.lower() for word in _words(answer)}
    return bool(brief.names & words)
