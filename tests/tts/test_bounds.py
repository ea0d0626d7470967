"""What one synthesis may cost: bounded engine passes, bounded memory (issue 13, item 1).

Memory is measured as this process's RSS (psutil), sampled while the real Piper voice runs.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import numpy as np
import psutil
import pytest

from aria_server.errors import TtsError
from aria_server.tts.chunker import MAX_PIECE_CHARS
from aria_server.tts.base import TtsEngine
from aria_server.tts.service import SpeechSynthesis
from aria_server.services import Services

# 200 words without a full stop: one Piper pass of them took +520 MB that was never returned.
RUN_ON = " ".join(f"the {w} lamp" for w in ["red", "blue", "green", "white", "small"] * 14)


class _Recording:
    """The real engine, recording the length of each text it is given (not a mock: it delegates)."""

    def __init__(self, engine: TtsEngine) -> None:
        self._engine = engine
        self.name, self.sample_rate, self.voice = engine.name, engine.sample_rate, engine.voice
        self.lengths: list[int] = []

    def synthesize_piece(self, text: str) -> np.ndarray:
        self.lengths.append(len(text))
        return self._engine.synthesize_piece(text)


@contextmanager
def _peak_rss_growth() -> Iterator[list[int]]:
    """Yields a one-item list that holds the peak RSS growth (bytes) once the block ends."""
    process = psutil.Process()
    base = process.memory_info().rss
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = [0]
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result[0] = max(peak[0], process.memory_info().rss) - base


async def _one(text: str) -> AsyncIterator[str]:
    yield text


@pytest.fixture
def recording(services: Services) -> Iterator[tuple[SpeechSynthesis, _Recording]]:
    assert services.tts is not None
    engine = _Recording(services.tts.engines[0])
    tts = SpeechSynthesis([engine], services.tts.voices, services.tts.max_text_chars)
    yield tts, engine
    tts.close()


async def test_a_long_run_on_sentence_is_synthesised_in_bounded_passes(
    recording: tuple[SpeechSynthesis, _Recording],
) -> None:
    tts, engine = recording
    assert len(RUN_ON.split()) == 210 and "." not in RUN_ON
    await tts.synthesize_piece("Warm up.")  # onnxruntime's first-call arenas are not the request's
    with _peak_rss_growth() as growth:
        pieces = [audio async for audio in tts.synthesize(_one(RUN_ON))]
    assert len(pieces) >= 3 and max(engine.lengths) <= MAX_PIECE_CHARS
    assert all(piece.seconds > 1 for piece in pieces)
    # One 1,050-character pass peaked near +850 MB (and kept it); a 200-character pass peaks at
    # 170-350 MB here depending on the allocator, whatever the length of the whole text.
    assert growth[0] < 450 * 2**20, f"RSS grew {growth[0] / 2**20:.0f} MB"


async def test_one_piece_call_with_long_text_is_cut_too(recording: tuple[SpeechSynthesis, _Recording]) -> None:
    tts, engine = recording
    audio = await tts.synthesize_piece(RUN_ON)
    assert max(engine.lengths) <= MAX_PIECE_CHARS and len(engine.lengths) >= 3
    assert audio.seconds > 10


async def test_a_stream_is_refused_once_its_total_passes_the_limit(services: Services) -> None:
    assert services.tts is not None
    tts = SpeechSynthesis(services.tts.engines, services.tts.voices, max_text_chars=50)
    try:

        async def deltas() -> AsyncIterator[str]:
            for _ in range(100):
                yield "." * 20  # each delta alone is within the limit; the stream is not

        with pytest.raises(TtsError) as caught:
            _ = [audio async for audio in tts.synthesize(deltas())]
        assert caught.value.code == "text-too-long"
    finally:
        tts.close()
