"""The TTS service: streams text through the chunker and the engines, with a fallback chain.

Engines are tried in order for each piece; a failing engine is logged and skipped for that
piece, and the audio of a fallback engine is resampled to the first engine's rate so that one
stream keeps one format.

A language may have its own voice (``--tts-language-voices ja=kokoro:jf_alpha``): a piece asked
for in that language goes to that voice's engine first, then to the default chain.

What one request may allocate is bounded: the whole text is limited (``max_text_chars``,
counted delta by delta before the chunker scans anything), and no engine pass gets more than
``MAX_PIECE_CHARS`` characters (a longer piece is cut at clause or word boundaries first), so
the model's working memory stays that of one long sentence whatever the client sends.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence

import numpy as np

from aria_wire.audio import resample_int16

from ..concurrency import model_executor, run_blocking
from ..errors import AriaError, TtsError
from ..memory import trim_heap
from .base import SpeechAudio, TtsEngine, VoiceInfo
from .chunker import MAX_PIECE_CHARS, PieceSplitter, speakable_pieces

_LOGGER = logging.getLogger(__name__)


class SpeechSynthesis:
    """Shared by every face; ``synthesize`` is safe to call from many connections at once."""

    def __init__(
        self,
        engines: Sequence[TtsEngine],
        voices: list[VoiceInfo],
        max_text_chars: int,
        by_language: Mapping[str, TtsEngine] | None = None,
    ) -> None:
        if not engines:
            raise TtsError("no TTS engine configured", code="tts-unavailable")
        self.engines = list(engines)
        self.by_language = dict(by_language or {})
        """Language code (``ja``) -> the engine of that language's voice."""
        self.voices = voices + [engine.voice for engine in self.by_language.values() if engine.voice not in voices]
        self.max_text_chars = max_text_chars
        self.sample_rate = engines[0].sample_rate
        self.last_error: str | None = None
        self.active: TtsEngine = self.engines[0]
        """The engine that synthesized the last piece (``/health`` says which runs)."""
        # VITS inference uses all cores per call: one thread serialises pieces fairly.
        self._executor = model_executor("tts", 1)

    def check_text(self, text: str) -> None:
        """Reject text longer than the configured limit before any work is done."""
        if len(text) > self.max_text_chars:
            raise TtsError(f"text of {len(text)} characters exceeds {self.max_text_chars}", code="text-too-long")

    def language_of_voice(self, name: str | None) -> str | None:
        """The language whose voice is called ``name`` (a Wyoming client asks for a voice by name)."""
        return next((code for code, engine in self.by_language.items() if engine.voice.name == name), None)

    def chain_for(self, language: str | None) -> list[TtsEngine]:
        """The engines tried for a piece in ``language`` (``ja-JP`` counts as ``ja``)."""
        code = (language or "").replace("_", "-").split("-", 1)[0].lower()
        voice = self.by_language.get(code)
        return self.engines if voice is None else [voice, *[e for e in self.engines if e is not voice]]

    def check_total(self, total_chars: int) -> None:
        """Reject a stream once the text received so far passes the limit."""
        if total_chars > self.max_text_chars:
            raise TtsError(f"text of {total_chars}+ characters exceeds {self.max_text_chars}", code="text-too-long")

    def _synthesize_bounded(self, text: str, language: str | None = None) -> np.ndarray:
        """``text`` in engine passes of at most MAX_PIECE_CHARS characters, joined."""
        if len(text) <= MAX_PIECE_CHARS:
            return self._synthesize_with_fallback(text, language)
        splitter = PieceSplitter(emitted=True)
        pieces = [*splitter.feed(text), *splitter.flush()]
        parts = [self._synthesize_with_fallback(piece, language) for piece in pieces]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def _synthesize_and_trim(self, text: str, language: str | None = None) -> np.ndarray:
        samples = self._synthesize_bounded(text, language)
        # A pass's activations are freed when it ends; this hands the pages back too.
        trim_heap()
        return samples

    def _synthesize_with_fallback(self, text: str, language: str | None = None) -> np.ndarray:
        errors = []
        for engine in self.chain_for(language):
            try:
                samples = engine.synthesize_piece(text)
            except Exception as err:  # any engine failure moves on to the next engine
                _LOGGER.warning("TTS engine %s failed on %r", engine.name, text[:60], exc_info=True)
                errors.append(f"{engine.name}: {err}")
                continue
            self.active = engine
            if errors:
                self.last_error = "; ".join(errors)
            elif engine is self.engines[0]:
                self.last_error = None  # the first engine answers again
            return resample_int16(samples, engine.sample_rate, self.sample_rate)
        self.last_error = "; ".join(errors)
        raise TtsError(f"every TTS engine failed ({self.last_error})")

    async def synthesize_piece(self, text: str, language: str | None = None) -> SpeechAudio:
        """Audio of one piece of text, in the voice of ``language`` when it has one (a piece over
        MAX_PIECE_CHARS is synthesised in bounded passes)."""
        self.check_text(text)
        try:
            samples = await run_blocking(self._executor, self._synthesize_and_trim, text, language)
        except AriaError:
            raise
        except Exception as err:
            raise TtsError(f"synthesis failed: {err}") from err
        return SpeechAudio(pcm=samples.tobytes(), rate=self.sample_rate, text=text)

    async def synthesize(
        self, text: AsyncIterable[str], language: str | None = None, *, limit_total: bool = True
    ) -> AsyncIterator[SpeechAudio]:
        """Audio for each clause/sentence as soon as that piece of text is complete, in the voice
        of ``language`` when it has one; each piece's ``ready_t_ns`` says when its text was complete.

        TtsError ``text-too-long`` as soon as the stream's total passes ``max_text_chars``
        (``limit_total`` False: only each piece is limited, for a reply whose length the language
        model's ``max_tokens`` already bounds).
        """
        async for piece in speakable_pieces(self._counted(text) if limit_total else text):
            ready_t_ns = time.monotonic_ns()
            audio = await self.synthesize_piece(piece, language)
            if audio.pcm:
                yield dataclasses.replace(audio, ready_t_ns=ready_t_ns)

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
