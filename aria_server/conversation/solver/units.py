"""Unit conversions computed from exact factors: length, mass, volume, speed and time.

    >>> answer("How many centimeters are in an inch?")
    '1 inch is 2.54 centimeters.'
    >>> answer("Convert 5 miles to kilometers")
    '5 miles is about 8.047 kilometers.'
    >>> answer("How many legs does a spider have?") is None
    True

Every unit is a factor to its dimension's base unit (metre, kilogram, litre, metre per second,
second), as a ``Fraction`` taken from the unit's definition (an inch is exactly 0.0254 m, a pound
0.45359237 kg, a US gallon 3.785411784 L), so a conversion is exact until it is spoken.
Volumes are US customary (cups, pints, gallons) unless the question says "imperial"; the answer
says "US" where the two differ. Months and years are left to the model: their length depends.
Temperatures are ``temperature.py``'s (an offset, not a factor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .numerals import parse_number, speak, to_digits, too_big


@dataclass(frozen=True)
class Unit:
    """One unit: its dimension, its size in the dimension's base unit, and its spoken names."""

    dimension: str
    factor: Fraction
    singular: str
    plural: str


def _f(text: str) -> Fraction:
    return Fraction(text)


_INCH = _f("0.0254")
_POUND = _f("0.45359237")
_US_GALLON = _f("3.785411784")
_US_FLUID_OUNCE = _US_GALLON / 128
_IMPERIAL_GALLON = _f("4.54609")
_HOUR = Fraction(3600)

_UNITS: dict[str, Unit] = {}


def _add(dimension: str, factor: Fraction, singular: str, plural: str, *aliases: str) -> None:
    unit = Unit(dimension, factor, singular, plural)
    for name in (singular, plural, *aliases):
        _UNITS[name] = unit


_add("length", _f("0.001"), "millimeter", "millimeters", "millimetre", "millimetres", "mm")
_add("length", _f("0.01"), "centimeter", "centimeters", "centimetre", "centimetres", "cm")
_add("length", Fraction(1), "meter", "meters", "metre", "metres", "m")
_add("length", Fraction(1000), "kilometer", "kilometers", "kilometre", "kilometres", "km", "kilometer's")
_add("length", _INCH, "inch", "inches", "in")
_add("length", _INCH * 12, "foot", "feet", "ft")
_add("length", _INCH * 36, "yard", "yards", "yd")
_add("length", _INCH * 63360, "mile", "miles", "mi")
_add("length", Fraction(1852), "nautical mile", "nautical miles")
_add("mass", _f("0.000001"), "milligram", "milligrams", "mg")
_add("mass", _f("0.001"), "gram", "grams", "gramme", "grammes", "g")
_add("mass", Fraction(1), "kilogram", "kilograms", "kilo", "kilos", "kg")
_add("mass", Fraction(1000), "tonne", "tonnes", "metric ton", "metric tons")
_add("mass", _POUND / 16, "ounce", "ounces", "oz")
_add("mass", _POUND, "pound", "pounds", "lb", "lbs")
_add("mass", _POUND * 14, "stone", "stones")
_add("volume", _f("0.001"), "milliliter", "milliliters", "millilitre", "millilitres", "ml")
_add("volume", _f("0.01"), "centiliter", "centiliters", "centilitre", "centilitres", "cl")
_add("volume", Fraction(1), "liter", "liters", "litre", "litres", "l")
_add("volume", _US_FLUID_OUNCE / 6, "teaspoon", "teaspoons", "tsp")
_add("volume", _US_FLUID_OUNCE / 2, "tablespoon", "tablespoons", "tbsp")
_add("volume", _US_FLUID_OUNCE, "US fluid ounce", "US fluid ounces", "fluid ounce", "fluid ounces", "fl oz")
_add("volume", _US_FLUID_OUNCE * 8, "US cup", "US cups", "cup", "cups")
_add("volume", _US_FLUID_OUNCE * 16, "US pint", "US pints", "pint", "pints")
_add("volume", _US_FLUID_OUNCE * 32, "US quart", "US quarts", "quart", "quarts")
_add("volume", _US_GALLON, "US gallon", "US gallons", "gallon", "gallons")
_add("volume", _IMPERIAL_GALLON, "imperial gallon", "imperial gallons", "uk gallon", "uk gallons")
_add("volume", _IMPERIAL_GALLON / 8, "imperial pint", "imperial pints", "uk pint", "uk pints")
_add("speed", Fraction(1), "meter per second", "meters per second", "metres per second", "metre per second", "m/s")
_add("speed", Fraction(1000) / _HOUR, "kilometer per hour", "kilometers per hour", "kilometres per hour",
     "kilometre per hour", "km/h", "kph", "kmh")
_add("speed", _INCH * 63360 / _HOUR, "mile per hour", "miles per hour", "mph", "miles an hour")
_add("speed", Fraction(1852) / _HOUR, "knot", "knots")
_add("time", Fraction(1, 1000), "millisecond", "milliseconds", "ms")
_add("time", Fraction(1), "second", "seconds", "sec", "secs")
_add("time", Fraction(60), "minute", "minutes", "min", "mins")
_add("time", _HOUR, "hour", "hours", "hr", "hrs")
_add("time", _HOUR * 24, "day", "days")
_add("time", _HOUR * 24 * 7, "week", "weeks")
_add("time", _HOUR * 24 * 14, "fortnight", "fortnights")

_NAMES = "|".join(sorted((re.escape(name) for name in _UNITS), key=len, reverse=True))
_UNIT = rf"(?:{_NAMES})"
_AMOUNT = r"(?:-?\d+(?:\.\d+)?|a|an|one|a single)"
_LEAD = r"^(?:(?:hey |ok |okay )?aria,? )?(?:please )?(?:(?:can|could) you (?:please )?(?:tell me )?)?"
_FORMS = (
    # "how many centimeters are (there) in an inch", "how many feet in 3 miles", "how many minutes make an hour"
    re.compile(rf"{_LEAD}how many (?P<to>{_UNIT}) (?:are |is )?(?:there )?(?:in|make up|make|to) (?:(?P<n>{_AMOUNT}) )?(?P<from>{_UNIT})$"),
    # "how many kilometers is 5 miles"
    re.compile(rf"{_LEAD}how many (?P<to>{_UNIT}) (?:is|are|in) (?P<n>{_AMOUNT}) (?P<from>{_UNIT})$"),
    # "convert 5 miles to kilometers", "what is 5 miles in kilometers", "5 miles in km"
    re.compile(
        rf"{_LEAD}(?:convert |what(?: is|'s| are)? |whats |how much is |how much are |how far is |how long is |how heavy is |how fast is )?"
        rf"(?P<n>{_AMOUNT}) (?P<from>{_UNIT}) (?:in|to|into|in to|as|converted to|expressed in) (?P<to>{_UNIT})$"
    ),
)


def _unit(name: str) -> Unit | None:
    return _UNITS.get(name.strip())


def _amount(text: str | None) -> Fraction | None:
    if text is None or text in ("a", "an", "one", "a single"):
        return Fraction(1)
    return parse_number(text)


def answer(text: str) -> str | None:
    """The spoken answer to a unit conversion, or None when ``text`` is not one."""
    words = to_digits(text).strip().rstrip("?.!").strip()
    words = re.sub(r"\s+", " ", words.replace(",", ""))
    for form in _FORMS:
        match = form.match(words)
        if match is None:
            continue
        source, target = _unit(match.group("from")), _unit(match.group("to"))
        amount = _amount(match.group("n"))
        if source is None or target is None or amount is None or source.dimension != target.dimension:
            return None
        if source == target:
            return None
        value = amount * source.factor / target.factor
        if too_big(value) or too_big(amount):
            return None
        return f"{_quantity(amount, source)} is {_quantity(value, target)}."
    return None


def _quantity(value: Fraction, unit: Unit) -> str:
    spoken = speak(value)
    return f"{spoken} {unit.singular if value == 1 else unit.plural}"
