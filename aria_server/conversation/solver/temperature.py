"""Temperature conversions (Celsius, Fahrenheit, Kelvin), computed exactly.

    >>> answer("What is 10 degrees Celsius in Fahrenheit?")
    '10 degrees Celsius is 50 degrees Fahrenheit.'
    >>> answer("Convert 350 F to C")
    '350 degrees Fahrenheit is about 176.667 degrees Celsius.'
    >>> answer("At what temperature does water boil in Celsius?") is None
    True

Only a stated temperature is converted; "at what temperature does water boil" is a fact, left
to the model. Kelvin below zero is refused as impossible rather than converted.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .numerals import parse_number, speak, to_digits

_SCALES = {
    "celsius": "celsius", "centigrade": "celsius", "c": "celsius",
    "fahrenheit": "fahrenheit", "farenheit": "fahrenheit", "f": "fahrenheit",
    "kelvin": "kelvin", "kelvins": "kelvin", "k": "kelvin",
}
_NAMES = {"celsius": "degrees Celsius", "fahrenheit": "degrees Fahrenheit", "kelvin": "kelvin"}
_SCALE = r"(?:celsius|centigrade|fahrenheit|farenheit|kelvins?|c|f|k)"
_NUMBER = r"(?:(?:minus|negative|-) ?)?\d+(?:\.\d+)?"
_LEAD = r"^(?:(?:hey |ok |okay )?aria,? )?(?:please )?(?:(?:can|could) you (?:please )?)?"
_FORMS = (
    # "what is 10 degrees celsius in fahrenheit", "convert 350 f to c", "20 c to f"
    re.compile(
        rf"{_LEAD}(?:convert |what(?: is|'s)? |whats |how much is |how hot is |how cold is |how warm is )?"
        rf"(?P<n>{_NUMBER}) ?(?:degrees? |°)?(?P<from>{_SCALE}) (?:in|to|into|in degrees|as) (?:degrees? )?(?P<to>{_SCALE})$"
    ),
    # "how many degrees fahrenheit is 20 celsius", "how many kelvin is 0 degrees celsius"
    re.compile(
        rf"{_LEAD}(?:how many |what(?: is|'s)? )(?:degrees? )?(?P<to>{_SCALE}) (?:is|are|equals|in) (?P<n>{_NUMBER}) ?(?:degrees? |°)?(?P<from>{_SCALE})$"
    ),
)


def _to_kelvin(value: Fraction, scale: str) -> Fraction:
    if scale == "celsius":
        return value + Fraction("273.15")
    if scale == "fahrenheit":
        return (value - 32) * Fraction(5, 9) + Fraction("273.15")
    return value


def _from_kelvin(value: Fraction, scale: str) -> Fraction:
    if scale == "celsius":
        return value - Fraction("273.15")
    if scale == "fahrenheit":
        return (value - Fraction("273.15")) * Fraction(9, 5) + 32
    return value


def convert(value: Fraction, source: str, target: str) -> Fraction:
    """``value`` on scale ``source`` on scale ``target`` (celsius, fahrenheit, kelvin)."""
    return _from_kelvin(_to_kelvin(value, source), target)


def answer(text: str) -> str | None:
    """The spoken answer to a temperature conversion, or None when ``text`` is not one."""
    words = to_digits(text).strip().rstrip("?.!").strip()
    words = re.sub(r"(\d)\s*°\s*", r"\1 ", words)
    for form in _FORMS:
        match = form.match(words)
        if match is None:
            continue
        source, target = _SCALES[match.group("from")], _SCALES[match.group("to")]
        number = re.sub(r"^(?:minus|negative|-) ?", "-", match.group("n"))
        value = parse_number(number)
        if value is None or source == target:
            return None
        if _to_kelvin(value, source) < 0:
            return f"{speak(value)} {_NAMES[source]} is below absolute zero: no temperature is that cold."
        result = convert(value, source, target)
        return f"{speak(value)} {_NAMES[source]} is {speak(result)} {_NAMES[target]}."
    return None
