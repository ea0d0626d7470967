"""The one text normaliser (``aria_server/text.py``) and the one hotword merge, on exactly the
cases the five earlier normalisers disagreed on: apostrophes (straight, curly, at a word's edge),
hyphens, underscores, slashes, decimal points, case and white space."""

from __future__ import annotations

import pytest

from aria_server.conversation.intents.language import normalise as intents_normalise
from aria_server.conversation.truth import claims_action, classify
from aria_server.home.names import words as home_words
from aria_server.stt.base import same_words as stt_same_words
from aria_server.stt.hotwords import MAX_HOTWORDS_CHARS, merge_hotwords
from aria_server.text import normalise, same_words, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What's the time", ("what's", "the", "time")),  # stt split it: what, s
        ("What\u2019s the time", ("what's", "the", "time")),  # truth split it, home kept it curly
        ("'Kitchen' light", ("kitchen", "light")),  # a quote, not part of the word
        ("Bob's lamp-2", ("bob's", "lamp", "2")),  # the directory kept the hyphen's word whole
        ("living_room", ("living", "room")),  # intents and truth kept the underscore
        ("a/c", ("a", "c")),  # truth kept the slash
        ("a 1.5-hour timer.", ("a", "1.5", "hour", "timer")),  # stt split the number
        ("timer for 5.", ("timer", "for", "5")),  # intents kept the full stop after a digit
        ("  Turn ON\tthe\n LIGHT  ", ("turn", "on", "the", "light")),
        ("Kitchen (old)", ("kitchen", "old")),  # the directory kept the brackets
        ("Straße", ("straße",)),  # lower(), not casefold(): German data keeps its ß
        ("", ()),
    ],
)
def test_words(text: str, expected: tuple[str, ...]) -> None:
    assert words(text) == expected
    assert normalise(text) == " ".join(expected)


def test_the_five_places_use_it() -> None:
    assert intents_normalise is normalise
    assert home_words is words
    assert stt_same_words is same_words


def test_same_words_ignores_case_punctuation_and_apostrophe_shape() -> None:
    assert same_words("What's the time?", "what\u2019s the TIME")
    assert same_words("Turn on the kitchen-light.", "turn on the kitchen light")
    assert not same_words("What's the time?", "whats the time")


def test_the_truth_guard_reads_curly_apostrophes_and_the_air_conditioning() -> None:
    assert claims_action("I\u2019ve turned on the kitchen lights.") == claims_action("I've turned on the kitchen lights.")
    assert classify("Turn on the A/C.").value == "device-command"


def test_hotwords_one_merge_names_first_whole_names_only() -> None:
    assert merge_hotwords(None, ()) is None
    assert merge_hotwords(["Kitchen light", "Aria"], ["timer", "kitchen-light"]) == "Kitchen light, Aria, timer"
    assert merge_hotwords("Aria, Kitchen", ["kitchen", "Living Room"]) == "Aria, Kitchen, Living Room"
    long = merge_hotwords([f"Name {i}" for i in range(400)])
    assert long is not None and len(long) <= MAX_HOTWORDS_CHARS
    assert all(part.startswith("Name ") and part[5:].isdigit() for part in long.split(", "))
