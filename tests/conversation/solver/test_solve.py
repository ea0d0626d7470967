"""The solver (issue 24): every kind of question it recognises answered exactly, as a table; and
what it must leave alone (facts, chat, live questions) left to the next responder."""

from __future__ import annotations

import doctest
import importlib
from datetime import date

import pytest

from aria_server.conversation import solver
from aria_server.conversation.solver import arithmetic, dates, numerals, solve, temperature, units

TODAY = date(2026, 12, 6)  # a Sunday

ANSWERS = [
    # arithmetic, digits and words
    ("What is 17 times 23?", "arithmetic", "17 times 23 is 391."),
    ("What is seventeen times twenty-three?", "arithmetic", "17 times 23 is 391."),
    ("What's the square root of 81?", "arithmetic", "The square root of 81 is 9."),
    ("What is 15 percent of 80?", "arithmetic", "15 percent of 80 is 12."),
    ("what is half of ninety", "arithmetic", "Half of 90 is 45."),
    ("Subtract 42 from 100.", "arithmetic", "100 minus 42 is 58."),
    ("What is two hundred and fifty divided by five?", "arithmetic", "250 divided by 5 is 50."),
    ("What is 2 to the power of 10?", "arithmetic", "2 to the power of 10 is 1024."),
    ("What's 12 squared?", "arithmetic", "12 squared is 144."),
    ("What is 0.1 plus 0.2?", "arithmetic", "0.1 plus 0.2 is 0.3."),
    ("What is 10 divided by 3?", "arithmetic", "10 divided by 3 is about 3.333."),
    ("What is 3 + 4 * 2?", "arithmetic", "3 plus 4 times 2 is 11."),
    ("What is minus 5 plus 3?", "arithmetic", "Minus 5 plus 3 is minus 2."),
    ("What is the square root of 2?", "arithmetic", "The square root of 2 is about 1.414."),
    ("What is 10 divided by 0?", "arithmetic", "Dividing by zero has no answer."),
    ("What is 9 to the power of 99?", "arithmetic", "That number is too big for me to say exactly."),
    # units
    ("How many centimeters are in an inch?", "units", "1 inch is 2.54 centimeters."),
    ("How many feet are in a mile?", "units", "1 mile is 5280 feet."),
    ("How many minutes are in three hours?", "units", "3 hours is 180 minutes."),
    ("Convert 5 miles to kilometers", "units", "5 miles is about 8.047 kilometers."),
    ("What is 70 kilograms in pounds?", "units", "70 kilograms is about 154.324 pounds."),
    ("What is 100 km/h in mph?", "units", "100 kilometers per hour is about 62.137 miles per hour."),
    ("How many cups are in a gallon?", "units", "1 US gallon is 16 US cups."),
    ("How many liters is 2 gallons?", "units", "2 US gallons is about 7.571 liters."),
    # temperature
    ("What is 10 degrees Celsius in Fahrenheit?", "temperature", "10 degrees Celsius is 50 degrees Fahrenheit."),
    ("Convert 350 F to C", "temperature", "350 degrees Fahrenheit is about 176.667 degrees Celsius."),
    ("What is minus 40 Celsius in Fahrenheit?", "temperature", "minus 40 degrees Celsius is minus 40 degrees Fahrenheit."),
    ("What is 300 kelvin in Celsius?", "temperature", "300 kelvin is 26.85 degrees Celsius."),
    ("How many degrees Fahrenheit is 20 Celsius?", "temperature", "20 degrees Celsius is 68 degrees Fahrenheit."),
    ("What is minus 300 Celsius in kelvin?", "temperature",
     "minus 300 degrees Celsius is below absolute zero: no temperature is that cold."),
    # dates (TODAY is Sunday, December 6, 2026)
    ("What day of the week is Christmas?", "date", "Christmas, December 25, 2026, is a Friday."),
    ("How many days until Christmas?", "date", "There are 19 days until Christmas, December 25, 2026."),
    ("How many days until New Year?", "date", "There are 26 days until New Year's Day, January 1, 2027."),
    ("What day of the week was January 1, 2000?", "date", "January 1, 2000 was a Saturday."),
    ("What day of the week was the first of January two thousand?", "date", "January 1, 2000 was a Saturday."),
    ("How many days are there between March 1, 2027 and April 15, 2027?", "date",
     "There are 45 days between March 1, 2027 and April 15, 2027."),
    ("What is the date 30 days from now?", "date", "In 30 days it will be Tuesday, January 5, 2027."),
    ("When is Easter 2027?", "date", "Easter is on Sunday, March 28, 2027."),
    ("Is 2028 a leap year?", "date", "2028 is a leap year."),
    ("How many days are in February 2028?", "date", "February 2028 has 29 days."),
    ("How many days does April have?", "date", "April has 30 days."),
    ("How many days are there in February?", "date", "February has 28 days, and 29 in a leap year."),
    ("Is 1900 a leap year?", "date", "1900 was not a leap year."),
    ("How many days are there in a leap year?", "date", "A leap year has 366 days."),
    ("How many days does a leap year have?", "date", "A leap year has 366 days."),
    ("How many days are in a year?", "date", "A year has 365 days, and 366 in a leap year."),
    ("How many weeks are in a year?", "date", "A year has 52 weeks and 1 day, and 2 days in a leap year."),
    ("How many months are there in a year?", "date", "A year has 12 months."),
    ("How many days are in 2028?", "date", "2028 has 366 days."),
    ("How many days are in a common year?", "date", "A common year has 365 days."),
    ("How many weeks until Christmas?", "date", "There are 2 weeks and 5 days until Christmas, December 25, 2026."),
]

NOT_MINE = [
    "Who wrote Romeo and Juliet?", "How many legs does a spider have?", "How far away is the moon?",
    "At what temperature does water boil in Celsius?", "What is a noun?", "What is 5G?", "What is 911?",
    "What will the weather be tomorrow?", "Set a timer for 5 minutes",
    "How many planets are in our solar system?", "When is my birthday?", "What day is it?", "Tell me a joke",
    "What is the capital of France?", "How many kilometers is a marathon?", "",
]


@pytest.mark.parametrize(("question", "kind", "expected"), ANSWERS)
def test_each_kind_is_computed_exactly(question: str, kind: str, expected: str) -> None:
    assert solve(question, TODAY) == solver.Solution(expected, kind)  # type: ignore[arg-type]


def test_what_is_not_a_calculation_is_left_to_the_next_responder() -> None:
    assert {question: solve(question, TODAY) for question in NOT_MINE} == dict.fromkeys(NOT_MINE)


def test_the_work_is_bounded_and_nothing_is_evaluated() -> None:
    assert solve("What is " + " plus ".join(["1"] * 60) + "?", TODAY) is None, "over MAX_TOKENS: not parsed"
    assert solve("What is __import__('os').system('true')?", TODAY) is None
    assert solve("what is 2 ** 2000000", TODAY) == solver.Solution("That number is too big for me to say exactly.", "arithmetic")
    assert solve("x" * 500, TODAY) is None


@pytest.mark.parametrize("module", [numerals, arithmetic, units, temperature, dates, "solve"])
def test_the_docstring_examples_hold(module: object) -> None:
    if module == "solve":  # the package's ``solve`` is the function; its module is imported by name
        module = importlib.import_module("aria_server.conversation.solver.solve")
    assert doctest.testmod(module, raise_on_error=True).failed == 0  # type: ignore[arg-type]
