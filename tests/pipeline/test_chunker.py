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


def test_after_the_first_piece_only_sentences_split() -> None:
    assert split_ready("and it will ring, I promise. Then", first=False) == (["and it will ring, I promise."], "Then")


def test_abbreviations_and_decimals_do_not_split() -> None:
    pieces, rest = split_ready("Dr. Smith says 3.5 degrees is fine. ", first=False)
    assert pieces == ["Dr. Smith says 3.5 degrees is fine."]
    assert rest == ""


async def test_streamed_deltas_become_pieces_as_soon_as_complete() -> None:
    pieces = [p async for p in speakable_pieces(_deltas("It is ", "ten past five. ", "Anything", " else"))]
    assert pieces == ["It is ten past five.", "Anything else"]
