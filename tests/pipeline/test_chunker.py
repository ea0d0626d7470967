"""The chunker releases the first clause early, then whole sentences."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aria_server.pipeline.chunker import speakable_pieces, split_ready


async def _deltas(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


def test_first_clause_is_released_when_long_enough() -> None:
    pieces, rest = split_ready("Okay, I set a timer for five minutes, and it", first=True)
    assert pieces == ["Okay, I set a timer for five minutes,"]
    assert rest == "and it"


def test_short_first_clause_waits_for_the_sentence() -> None:
    assert split_ready("Sure, the lamp", first=True) == ([], "Sure, the lamp")


def test_long_first_sentence_splits_before_a_conjunction() -> None:
    pieces, rest = split_ready("I turned off all the lights in the living room and set the", first=True)
    assert pieces == ["I turned off all the lights in the living room"]
    assert rest == "and set the"


def test_conjunction_needs_a_long_enough_phrase_and_a_whole_word() -> None:
    assert split_ready("Rock and roll is", first=True) == ([], "Rock and roll is")
    assert split_ready("I turned on the android phone", first=True) == ([], "I turned on the android phone")
    # Not yet known to be the word "and": it may go on as "android".
    assert split_ready("I turned on the kitchen light and", first=True) == ([], "I turned on the kitchen light and")


def test_after_the_first_piece_only_sentences_split() -> None:
    assert split_ready("and it will ring, I promise. Then", first=False) == (["and it will ring, I promise."], "Then")
    assert split_ready("The lights in the living room and the hall", first=False) == (
        [], "The lights in the living room and the hall"
    )


def test_abbreviations_and_decimals_do_not_split() -> None:
    pieces, rest = split_ready("Dr. Smith says 3.5 degrees is fine. ", first=False)
    assert pieces == ["Dr. Smith says 3.5 degrees is fine."]
    assert rest == ""


async def test_streamed_deltas_become_pieces_as_soon_as_complete() -> None:
    pieces = [p async for p in speakable_pieces(_deltas("It is ", "ten past five. ", "Anything", " else"))]
    assert pieces == ["It is ten past five.", "Anything else"]


def test_japanese_sentences_end_without_a_space() -> None:
    pieces, rest = split_ready("今日はいい天気ですね。明日も晴れるでしょう。雨", first=False)
    assert pieces == ["今日はいい天気ですね。", "明日も晴れるでしょう。"]
    assert rest == "雨"


def test_a_long_enough_japanese_first_clause_is_released_at_the_comma() -> None:
    assert split_ready("今日は、とても", first=True) == ([], "今日は、とても")  # 3 characters: too short
    pieces, rest = split_ready("タイマーを五分にセットしました、それから", first=True)
    assert pieces == ["タイマーを五分にセットしました、"]
    assert rest == "それから"
