"""The chunker releases the first clause early, then whole sentences."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aria_server.tts.chunker import MAX_PIECE_CHARS, PieceSplitter, speakable_pieces, split_ready


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


def test_a_four_word_phrase_is_spoken_before_its_conjunction() -> None:
    pieces, rest = split_ready("The sky is blue because sunlight is", first=True)
    assert pieces == ["The sky is blue"]
    assert rest == "because sunlight is"


def test_conjunction_needs_a_long_enough_phrase_and_a_whole_word() -> None:
    assert split_ready("Rock and roll is", first=True) == ([], "Rock and roll is")
    assert split_ready("Cats and dogs sleep a lot", first=True) == ([], "Cats and dogs sleep a lot")
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


# -- bounds: no piece longer than MAX_PIECE_CHARS, work linear in the text (issue 13, items 1-2) --


def _all_pieces(splitter: PieceSplitter, deltas: list[str]) -> list[str]:
    pieces = [piece for delta in deltas for piece in splitter.feed(delta)]
    return pieces + splitter.flush()


def test_a_sentence_without_punctuation_is_cut_at_words_into_bounded_pieces() -> None:
    words = [f"word{i}" for i in range(1000)]
    pieces = _all_pieces(PieceSplitter(), [" ".join(words)])
    assert all(len(piece) <= MAX_PIECE_CHARS for piece in pieces)
    assert " ".join(pieces).split() == words  # cut between words: nothing lost, no word split


def test_an_overlong_piece_is_cut_after_its_last_clause_mark() -> None:
    text = "one two three four, " + "blah " * 20 + "five six; " + "seven " * 100
    pieces = _all_pieces(PieceSplitter(emitted=True), [text])
    assert pieces[0].endswith("five six;")
    assert all(len(piece) <= MAX_PIECE_CHARS for piece in pieces)


def test_a_word_longer_than_a_piece_is_cut_at_the_limit() -> None:
    pieces = _all_pieces(PieceSplitter(), ["x" * 1000])
    assert [len(p) for p in pieces] == [200] * 5


def test_runs_of_sentence_marks_cost_linear_work_in_one_chunk_or_many() -> None:
    # The old pattern took 0.9 s for one chunk of 10,000 dots and 12.6 s for three (quadratic);
    # here the searches may look at each character a bounded number of times.
    for text in ("." * 10_000, "!?" * 5_000, " " * 10_000, ", " * 5_000, "and " * 2_500):
        splitter = PieceSplitter()
        pieces = _all_pieces(splitter, [text] * 4)
        assert all(len(piece) <= MAX_PIECE_CHARS for piece in pieces)
        assert splitter.scanned_chars <= 3 * 4 * len(text), text[:4]


def test_tiny_deltas_rescan_only_the_incomplete_piece() -> None:
    splitter = PieceSplitter()
    deltas = ["."] * 5_000
    _all_pieces(splitter, deltas)
    # Each delta looks at the pending piece at most, and that is never over MAX_PIECE_CHARS.
    assert splitter.scanned_chars <= len(deltas) * (MAX_PIECE_CHARS + 1) * 2


def test_a_streamed_sentence_without_punctuation_is_split_as_it_streams() -> None:
    splitter = PieceSplitter()
    released = [splitter.feed("lorem ipsum ") for _ in range(100)]
    assert sum(map(len, released)) >= 3  # pieces come out before the stream ends
    assert max(len(piece) for batch in released for piece in batch) <= MAX_PIECE_CHARS
def test_japanese_sentences_end_without_a_space() -> None:
    pieces, rest = split_ready("今日はいい天気ですね。明日も晴れるでしょう。雨", first=False)
    assert pieces == ["今日はいい天気ですね。", "明日も晴れるでしょう。"]
    assert rest == "雨"


def test_a_long_enough_japanese_first_clause_is_released_at_the_comma() -> None:
    assert split_ready("今日は、とても", first=True) == ([], "今日は、とても")  # 3 characters: too short
    pieces, rest = split_ready("タイマーを五分にセットしました、それから", first=True)
    assert pieces == ["タイマーを五分にセットしました、"]
    assert rest == "それから"
