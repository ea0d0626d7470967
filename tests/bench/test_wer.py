"""WER normalisation: case, punctuation and number spelling never count as errors."""

from __future__ import annotations

import pytest

from aria_bench.numbers import cardinal, ordinal
from aria_bench.wer import WordErrors, corpus_wer, edit_distance, normalise, score


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Set a timer for 5 minutes.", "set a timer for five minutes"),
        ("Set the thermostat to 21 degrees.", "Set the thermostat to twenty-one degrees"),
        ("It's 21°", "its twenty one degrees"),
        ("Wake me at 6:30 p.m.", "wake me at six thirty pm"),
        ("Wake me at 6:05", "wake me at six oh five"),
        ("Wake me at 7:00", "wake me at seven"),
        ("on the 1st and the 12th", "on the first and the twelfth"),
        ("the 40th time", "the fortieth time"),
        ("2.5 cups", "two point five cups"),
        ("1,000 steps", "one thousand steps"),
        ("50% done", "fifty percent done"),
        ("Rock & roll!", "rock and roll"),
        ("What's   the WEATHER like?!", "whats the weather like"),
    ],
)
def test_written_and_spoken_forms_normalise_alike(written: str, spoken: str) -> None:
    assert normalise(written) == normalise(spoken)


def test_cardinals_and_ordinals() -> None:
    assert cardinal(0) == "zero"
    assert cardinal(105) == "one hundred five"
    assert cardinal(2024) == "two thousand twenty four"
    assert cardinal(3_000_017) == "three million seventeen"
    assert ordinal(3) == "third"
    assert ordinal(21) == "twenty first"


def test_edit_distance_counts_substitutions_insertions_and_deletions() -> None:
    assert edit_distance("a b c".split(), "a b c".split()) == 0
    assert edit_distance("a b c".split(), "a x c".split()) == 1
    assert edit_distance("a b c".split(), "a c".split()) == 1
    assert edit_distance("a b c".split(), "a b c d".split()) == 1
    assert edit_distance([], "a b".split()) == 2


def test_score_and_corpus_wer() -> None:
    one_wrong = score("Add milk and eggs to the shopping list.", "and milk and eggs to the shopping list")
    assert one_wrong == WordErrors(errors=1, words=8)
    assert one_wrong.rate == pytest.approx(0.125)
    perfect = score("Set a timer for five minutes.", "Set a timer for 5 minutes.")
    assert perfect.rate == 0.0
    # Corpus WER weighs by reference length: 1 error over 8 + 6 words.
    assert corpus_wer([one_wrong, perfect]) == pytest.approx(1 / 14)


def test_empty_reference() -> None:
    assert score("", "").rate == 0.0
    assert score("", "hello there").rate == 2.0
