"""Piper synthesis through the streaming service on the bundled voice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest

from aria_server.errors import TtsError
from aria_server.services import Services


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
