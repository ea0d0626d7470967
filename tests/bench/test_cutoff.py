"""When a turn counts as cut off: it ended before the speech did, or it missed the words after the pause."""

from __future__ import annotations

from aria_bench.cutoff import ENDED_EARLY, MISSED_WORDS, cut_off


def test_a_turn_that_ended_before_the_last_speech_is_cut_off() -> None:
    # Even when the transcript happens to hold the words (a later pass heard them).
    assert cut_off(["ten", "minutes."], "Set a timer for ten minutes.", -420.0) == ENDED_EARLY


def test_a_transcript_without_the_words_after_the_pause_is_cut_off() -> None:
    assert cut_off(["ten", "minutes."], "Set a timer for it.", 250.0) == MISSED_WORDS
    assert cut_off(["the", "capital", "of", "France?"], "What is", None) == MISSED_WORDS


def test_one_misheard_word_after_the_pause_is_not_a_cut() -> None:
    assert cut_off(["call", "mum."], "Remind me to call mom.", 300.0) is None
    assert cut_off(["ten", "minutes."], "Set a timer for 10 minutes.", 300.0) is None  # numbers are spelt out


def test_a_clip_without_a_pause_is_judged_by_the_time_only() -> None:
    assert cut_off([], "What", 180.0) is None
    assert cut_off([], "What is the time?", -50.0) == ENDED_EARLY


def test_an_unknown_end_of_turn_leaves_the_words_to_judge() -> None:
    assert cut_off(["kitchen", "light."], "Turn on the kitchen light.", None) is None
