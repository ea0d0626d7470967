"""Whether a device command names only what Home Assistant knows (``home/names.py``): every word is
command vocabulary or part of a known name, whole words, case and punctuation ignored."""

from __future__ import annotations

from aria_server.home.names import Named, name_index, words

NAMES = frozenset({"Kitchen", "Cookhouse", "Living Room", "Kitchen light", "Sofa light", "Bob's lamp", "Fan"})


def named(text: str) -> Named:
    return name_index(NAMES).named(text)


def test_a_command_naming_a_known_entity_or_area_names_it() -> None:
    assert named("Turn on the kitchen light.") is Named.KNOWN
    assert named("turn off the LIVING ROOM lights") is Named.KNOWN
    assert named("Switch the sofa light off!") is Named.KNOWN
    assert named("Please turn on Bob's lamp.") is Named.KNOWN
    assert named("turn on the lights in the cookhouse") is Named.KNOWN  # an area alias
    assert named("Set the kitchen light to 50 percent.") is Named.KNOWN
    assert named("turn on the fan") is Named.KNOWN  # a name that is also a command word


def test_a_command_with_no_name_is_generic() -> None:
    assert named("Turn on the light.") is Named.GENERIC
    assert named("switch off all the lights") is Named.GENERIC


def test_a_word_that_is_no_known_name_makes_it_unknown() -> None:
    assert named("Turn on the spaceship.") is Named.UNKNOWN
    assert named("Turn on the spaceship light.") is Named.UNKNOWN
    assert named("turn on the kitchen spaceship") is Named.UNKNOWN  # a misheard word beside a name
    assert named("turn on the bedroom light") is Named.UNKNOWN  # not an area Home Assistant has


def test_names_match_as_whole_words_only() -> None:
    assert named("turn on the kitchenette light") is Named.UNKNOWN
    assert named("turn on the living light") is Named.UNKNOWN  # half of "Living Room"
    assert name_index(frozenset()).named("turn on the kitchen light") is Named.UNKNOWN


def test_words_drop_punctuation_and_case_but_keep_apostrophes() -> None:
    assert words("Bob's Lamp-2, please!") == ("bob's", "lamp", "2", "please")


def test_a_transcript_that_is_not_one_command_is_garbled() -> None:
    # What the quick fitted-window pass made of the tier's Piper "Turn on the light." clip.
    assert named("Turn on the light. Turn on on the lights.") is Named.GARBLED
    assert named("Turn on the kitchen light. Turn on the kitchen light") is Named.GARBLED
    assert named("turn on the the kitchen light") is Named.GARBLED
    assert named("turn on the kitchen light and switch off the fan") is Named.GARBLED
    assert named("Turn on the kitchen light.") is Named.KNOWN  # a final full stop is no break
