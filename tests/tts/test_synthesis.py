"""Piper synthesis through the streaming service on the bundled voice."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import numpy as np
import pytest

from aria_server.errors import TtsError
from aria_server.services import Services
from aria_server.tts.service import SpeechSynthesis


async def _text(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


async def test_streamed_text_gives_audio_per_piece(services: Services) -> None:
    assert services.tts is not None
    pieces = [a async for a in services.tts.synthesize(_text("Okay, I have set ", "a timer for five minutes. It", " rings soon."))]
    assert [p.text for p in pieces] == ["Okay, I have set a timer for five minutes.", "It rings soon."]
    for piece in pieces:
        assert piece.rate == 22_050
        samples = np.frombuffer(piece.pcm, dtype=np.int16)
        assert piece.seconds > 0.5
        assert np.abs(samples).max() > 1_000  # audible, not silence


async def test_first_clause_is_synthesized_on_its_own(services: Services) -> None:
    assert services.tts is not None
    pieces = [a async for a in services.tts.synthesize(_text("Good morning, the kitchen light is now on, and the heating too."))]
    assert pieces[0].text == "Good morning, the kitchen light is now on,"
    assert len(pieces) == 2


async def test_too_long_text_is_refused(services: Services) -> None:
    assert services.tts is not None
    with pytest.raises(TtsError) as caught:
        services.tts.check_text("x" * (services.tts.max_text_chars + 1))
    assert caught.value.code == "text-too-long"


async def test_each_piece_says_when_its_clause_was_complete(services: Services) -> None:
    """``ready_t_ns`` is taken when the clause's text was whole, before its synthesis: the turn's
    ``clause_t_ns`` (so "first clause" and "first audio" stay two different moments)."""
    assert services.tts is not None
    said_at: list[int] = []

    async def timed() -> AsyncIterator[str]:
        for part in ("Okay, I have set a timer for five minutes. ", "It rings soon."):
            said_at.append(time.monotonic_ns())
            yield part

    pieces = [a async for a in services.tts.synthesize(timed())]
    ready = [p.ready_t_ns for p in pieces]
    assert all(isinstance(t, int) for t in ready) and ready == sorted(ready)
    assert said_at[0] <= ready[0] < said_at[1]  # before the next delta was even asked for


async def test_a_reply_is_limited_piece_by_piece_only_when_asked(services: Services) -> None:
    """The pipeline's reply (bounded by the model's max_tokens) is not refused for its total."""
    assert services.tts is not None
    tts = SpeechSynthesis(services.tts.engines, services.tts.voices, max_text_chars=30)
    try:
        pieces = [a async for a in tts.synthesize(_text("It is three o'clock. ", "The timer rings soon."), limit_total=False)]
        assert [p.text for p in pieces] == ["It is three o'clock.", "The timer rings soon."]
    finally:
        tts.close()
