"""The TTS service: streams text through the chunker and the engines, with a fallback chain.

Engines are tried in order for each piece; a failing engine is logged and skipped for that
piece, and the audio of a fallback engine is resampled to the first engine's rate so that one
stream keeps one format.

What one request may allocate is bounded: the whole text is limited (``max_text_chars``,
counted delta by delta before the chunker scans anything), and no engine pass gets more than
``MAX_PIECE_CHARS`` characters (a longer piece is cut at clause or word boundaries first), so
the model's working memory stays that of one long sentence whatever the client sends.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Sequence

import numpy as np

from aria_wire.audio import resample_int16

from ..concurrency import model_executor, run_blocking
from ..errors import AriaError, TtsError
from ..memory import trim_heap
from ..pipeline.chunker import MAX_PIECE_CHARS, PieceSplitter, speakable_pieces
from .base import SpeechAudio, TtsEngine, VoiceInfo

_LOGGER = logging.getLogger(__name__)


class SpeechSynthesis:
    """Shared by every face; ``synthesize`` is safe to call from many connections at once."""

    def __init__(self, engines: Sequence[TtsEngine], voices: list[VoiceInfo], max_text_chars: int) -> None:
        if not engines:
            raise TtsError("no TTS engine configured", code="tts-unavailable")
        self.engines = list(engines)
        self.voices = voices
        self.max_text_chars = max_text_chars
        self.sample_rate = engines[0].sample_rate
        self.last_error: str | None = None
        # VITS inference uses all cores per call: one thread serialises pieces fairly.
        self._executor = model_executor("tts", 1)

    def check_text(self, text: str) -> None:
        """Reject text longer than the configured limit before any work is done."""
        if len(text) > self.max_text_chars:
            raise TtsError(f"text of {len(text)} characters exceeds {self.max_text_chars}", code="text-too-long")

    def check_total(self, total_chars: int) -> None:
        """Reject a stream once the text received so far passes the limit."""
        if total_chars > self.max_text_chars:
            raise TtsError(f"text of {total_chars}+ characters exceeds {self.max_text_chars}", code="text-too-long")

    def _synthesize_bounded(self, text: str) -> np.ndarray:
        """``text`` in engine passes of at most MAX_PIECE_CHARS characters, joined."""
        if len(text) <= MAX_PIECE_CHARS:
            return self._synthesize_with_fallback(text)
        splitter = PieceSplitter(emitted=True)
        pieces = [*splitter.feed(text), *splitter.flush()]
        parts = [self._synthesize_with_fallback(piece) for piece in pieces]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def _synthesize_and_trim(self, text: str) -> np.ndarray:
        samples = self._synthesize_bounded(text)
        # A pass's activations are freed when it ends; this hands the pages back too.
        trim_heap()
        return samples

    def _synthesize_with_fallback(self, text: str) -> np.ndarray:
        errors = []
        for engine in self.engines:
            try:
                samples = engine.synthesize_piece(text)
            except Exception as err:  # any engine failure moves on to the next engine
                _LOGGER.warning("TTS engine %s failed on %r", engine.name, text[:60], exc_info=True)
                errors.append(f"{engine.name}: {err}")
                continue
            if errors:
                self.last_error = "; ".join(errors)
            return resample_int16(samples, engine.sample_rate, self.sample_rate)
        self.last_error = "; ".join(errors)
        raise TtsError(f"every TTS engine failed ({self.last_error})")

    async def synthesize_piece(self, text: str) -> SpeechAudio:
        """Audio of one piece of text (a piece over MAX_PIECE_CHARS is synthesised in bounded passes)."""
        self.check_text(text)
        try:
            samples = await run_blocking(self._executor, self._synthesize_and_trim, text)
        except AriaError:
            raise
        except Exception as err:
            raise TtsError(f"synthesis failed: {err}") from err
        return SpeechAudio(pcm=samples.tobytes(), rate=self.sample_rate, text=text)

    async def synthesize(self, text: AsyncIterable[str]) -> AsyncIterator[SpeechAudio]:
        """Audio for each clause/sentence as soon as that piece of text is complete.

        TtsError ``text-too-long`` as soon as the stream's total passes ``max_text_chars``.
        """
        async for piece in speakable_pieces(self._counted(text)):
            audio = await self.synthesize_piece(piece)
            if audio.pcm:
                yield audio

    async def _counted(self, text: AsyncIterable[str]) -> AsyncIterator[str]:
        # The total is checked before the chunker sees a delta, so no scan is spent on text
        # that is refused anyway.
        total = 0
        async for delta in text:
            total += len(delta)
            self.check_total(total)
            yield delta

    def close(self) -> None:
        """Stop the worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
