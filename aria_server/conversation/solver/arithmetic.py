"""Arithmetic asked in words, computed exactly: "what is 17 times 23", "square root of 81",
"15 percent of 80", "half of 90", "subtract 42 from 100", "2 to the power of 10".

    >>> answer("What is seventeen times twenty-three?")
    '17 times 23 is 391.'
    >>> answer("What's the square root of 81?")
    'The square root of 81 is 9.'
    >>> answer("What is a noun?") is None
    True

The question is rewritten into a small token language (numbers, ``+ - * / ^ ( )``, ``sqrt``,
``cbrt``, ``pct``) and parsed by a recursive-descent parser: nothing is ever ``eval``-ed, any
word left over means "not arithmetic" (None, the next responder goes on), and the work is
bounded (``MAX_TOKENS`` tokens, exponents up to ``MAX_EXPONENT``, results under 10^18).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from .numerals import parse_number, speak, to_digits, too_big

MAX_TOKENS = 40
"""Longest expression parsed (a spoken question is a handful of tokens)."""
MAX_EXPONENT = 64
"""Largest power computed exactly; beyond it the question is no everyday one."""

_LEAD = re.compile(
    r"^(?:(?:hey |ok |okay )?aria,? )?(?:please )?(?:(?:can|could) you (?:please )?(?:tell me |calculate |compute |work out )?)?"
    r"(?:what(?: is|'s| are)|whats|how much is|how much are|calculate|compute|work out|tell me|what does|what do)?\s*"
)
_TRAIL = re.compile(r"\s*(?:equals?|equal to|make|makes|come to|give me|please)?\s*[?.!]*$")

# Spoken forms -> tokens. Order matters: longer phrases first.
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bthe square root of\b|\bsquare root of\b|\bsqrt of\b|\bsqrt\b|\u221a", " sqrt "),
    (r"\bthe cube root of\b|\bcube root of\b", " cbrt "),
    (r"\bto the power of\b|\braised to the power of\b|\braised to\b|\bto the\b|\^|\*\*", " ^ "),  # before "*": "**" is a power
    (r"\bmultiplied by\b|\btimes\b|\bx\b|\u00d7|\*", " * "),
    (r"\bdivided by\b|\bover\b|\u00f7|/", " / "),
    (r"\bplus\b|\+", " + "),
    (r"\bminus\b|\btake away\b|\u2212", " - "),
    (r"\bsquared\b", " ^ 2 "),
    (r"\bcubed\b", " ^ 3 "),
    (r"\bpercent of\b|\bper cent of\b|% of\b", " pct "),
)
_WHOLE_FORMS: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    # (the question's form, its tokens, how the answer says it: None keeps the user's words)
    (re.compile(r"^(?:add) (?P<a>.+?) (?:and|to|plus) (?P<b>.+)$"), "({a}) + ({b})", "{a} plus {b}"),
    (re.compile(r"^(?:the sum of|sum of) (?P<a>.+?) (?:and|plus) (?P<b>.+)$"), "({a}) + ({b})", None),
    # "subtract 42 from 100" is 100 - 42
    (re.compile(r"^(?:subtract|take) (?P<a>.+?) (?:from|away from) (?P<b>.+)$"), "({b}) - ({a})", "{b} minus {a}"),
    (re.compile(r"^(?:the difference between|difference between) (?P<a>.+?) and (?P<b>.+)$"), "({a}) - ({b})", None),
    (re.compile(r"^multiply (?P<a>.+?) (?:by|and|times) (?P<b>.+)$"), "({a}) * ({b})", "{a} times {b}"),
    (re.compile(r"^(?:the product of|product of) (?P<a>.+?) (?:and|by) (?P<b>.+)$"), "({a}) * ({b})", None),
    (re.compile(r"^divide (?P<a>.+?) by (?P<b>.+)$"), "({a}) / ({b})", "{a} divided by {b}"),
    (re.compile(r"^(?:a |one )?half of (?P<a>.+)$"), "({a}) / 2", "half of {a}"),
    (re.compile(r"^(?:a |one )?(?:3rd|third) of (?P<a>.+)$"), "({a}) / 3", "a third of {a}"),
    (re.compile(r"^(?:a |one )?quarter of (?P<a>.+)$"), "({a}) / 4", "a quarter of {a}"),
    (re.compile(r"^(?:double|twice) (?P<a>.+)$"), "({a}) * 2", None),
    (re.compile(r"^(?:triple|three times) (?P<a>.+)$"), "({a}) * 3", None),
)
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op>[-+*/^()])|(?P<word>sqrt|cbrt|pct))")


class ArithmeticError_(ValueError):
    """A question that is arithmetic but has no number for an answer (said, not raised to the user)."""


@dataclass(frozen=True)
class _Value:
    value: Fraction
    exact: bool


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/'|'pct') unary)*;
    unary := '-' unary | power; power := atom ('^' unary)?; atom := number | '(' expr ')' | ('sqrt'|'cbrt') unary"""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0
        self.exact = True

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Fraction:
        value = self.expr()
        if self.peek() is not None:
            raise SyntaxError("trailing tokens")
        return value

    def expr(self) -> Fraction:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
            _check(value)
        return value

    def term(self) -> Fraction:
        value = self.unary()
        while self.peek() in ("*", "/", "pct"):
            op = self.take()
            right = self.unary()
            if op == "*":
                value = value * right
            elif op == "pct":
                value = value / 100 * right
            elif right == 0:
                raise ArithmeticError_("Dividing by zero has no answer.")
            else:
                value = value / right
            _check(value)
        return value

    def unary(self) -> Fraction:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.power()

    def power(self) -> Fraction:
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take()
        exponent = self.unary()
        if exponent.denominator == 1 and abs(exponent) <= MAX_EXPONENT:
            if base == 0 and exponent < 0:
                raise ArithmeticError_("Dividing by zero has no answer.")
            size = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
            if size * abs(int(exponent)) > 200:
                raise ArithmeticError_("That number is too big for me to say exactly.")
            return _check(base ** int(exponent))
        if base < 0:
            raise ArithmeticError_("That power has no real answer.")
        try:
            result = math.pow(float(base), float(exponent))
        except OverflowError:
            raise ArithmeticError_("That number is too big for me to say exactly.") from None
        self.exact = False
        return _check(Fraction(result))

    def atom(self) -> Fraction:
        token = self.peek()
        if token is None:
            raise SyntaxError("expected a number")
        self.take()
        if token == "(":
            value = self.expr()
            if self.peek() != ")":
                raise SyntaxError("missing )")
            self.take()
            return value
        if token in ("sqrt", "cbrt"):
            return self.root(self.unary(), 2 if token == "sqrt" else 3)
        number = parse_number(token)
        if number is None:
            raise SyntaxError(f"unexpected {token!r}")
        return number

    def root(self, value: Fraction, degree: int) -> Fraction:
        if value < 0 and degree == 2:
            raise ArithmeticError_("A negative number has no real square root.")
        exact = _exact_root(abs(value), degree)
        if exact is not None:
            return exact if value >= 0 else -exact
        self.exact = False
        magnitude = Fraction(abs(float(value)) ** (1 / degree))
        return magnitude if value >= 0 else -magnitude


def _exact_root(value: Fraction, degree: int) -> Fraction | None:
    parts = []
    for n in (value.numerator, value.denominator):
        root = round(n ** (1 / degree))
        match = next((r for r in (root - 1, root, root + 1) if r >= 0 and r**degree == n), None)
        if match is None:
            return None
        parts.append(match)
    return Fraction(parts[0], parts[1])


def _check(value: Fraction) -> Fraction:
    if too_big(value):
        raise ArithmeticError_("That number is too big for me to say exactly.")
    return value


def _tokens(expression: str) -> list[str] | None:
    tokens: list[str] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None:
            return None
        tokens.append(match.group("num") or match.group("op") or match.group("word"))
        position = match.end()
        if len(tokens) > MAX_TOKENS:
            return None
    return tokens


def _expression(text: str) -> tuple[str, str] | None:
    """(the question's arithmetic as said, as tokens) or None."""
    words = to_digits(text).strip()
    words = _LEAD.sub("", words, count=1)
    said = _TRAIL.sub("", words).strip().rstrip(",")
    said = re.sub(r"^(?:the (?:answer|result) (?:of|to) )", "", said)
    if not said or not re.search(r"\d", said):
        return None
    body = said
    for pattern, template, spoken in _WHOLE_FORMS:
        if (match := pattern.match(body)) is not None:
            body = template.format(**match.groupdict())
            said = spoken.format(**match.groupdict()) if spoken else said
            break
    for phrase, token in _PHRASES:
        body = re.sub(phrase, token, body)
    body = re.sub(r"(\d)\s*%", r"\1 pct 1 ", body)  # "15%" alone: 15/100 of 1
    body = re.sub(r"\^\s*(\d+)(?:st|nd|rd|th)(?: power)?\b", r"^ \1", body)  # "2 to the 10th (power)"
    return said, body


def _in_words(said: str) -> str:
    """The user's expression as a voice says it: "1 + 1" -> "1 plus 1" (symbols are not read alike)."""
    for symbol, words in (("+", "plus"), ("\u00d7", "times"), ("*", "times"), ("\u00f7", "divided by"), ("/", "divided by"), ("^", "to the power of")):
        said = said.replace(symbol, f" {words} ")
    said = re.sub(r"(?<=\d) x (?=\d)", " times ", said)
    said = re.sub(r"(?<=\d) - (?=\d)", " minus ", said)
    said = re.sub(r"(\d+(?:\.\d+)?)\s*%", r"\1 percent", said)
    return " ".join(said.split())


def answer(text: str) -> str | None:
    """The spoken answer to an arithmetic question, or None when ``text`` is not one."""
    found = _expression(text)
    if found is None:
        return None
    said, body = found
    tokens = _tokens(body)
    if not tokens or not any(token in "+-*/^" or token in ("sqrt", "cbrt", "pct") for token in tokens):
        return None  # a bare number ("what is 911") is no sum
    if tokens == ["-", tokens[-1]] and len(tokens) == 2:
        return None
    parser = _Parser(tokens)
    try:
        value = parser.parse()
    except ArithmeticError_ as err:
        return str(err)
    except (SyntaxError, OverflowError, ValueError, ZeroDivisionError):
        return None
    spoken = speak(value)
    said = _in_words(said)
    if not parser.exact and not spoken.startswith("about"):
        spoken = f"about {spoken}"
    return f"{said[0].upper()}{said[1:]} is {spoken}."
