"""One utterance: resample, VAD-gate, trim, and decode speculatively at the first pause.

When the endpointer sees a pause (``vad.speculate_after_ms`` of silence), decoding starts on
the audio so far. If no speech follows before the audio ends, ``finish`` answers with that
result at once; speech after the pause makes it stale and ``finish`` decodes again.

Given ``is_complete`` (the voice pipeline's "is this a whole local request?"), the pause first
runs a quick, rougher decode (``Decoder.decode_quick``). When its text is a whole request the
full decode is skipped: the pipeline can stop listening at once (``early_transcript``) and the
TTS gets the cores; otherwise the full decode follows as usual.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np

from aria_wire.audio import MODEL_RATE, PcmFormat, ToModelFormat

from ..concurrency import run_blocking
from ..errors import AriaError, AudioFormatError, SttError
from ..settings import VadSettings
from ..vad.base import FRAME_SAMPLES, VoiceActivityDetector
from ..vad.endpointer import Endpointer, VadEvent, VadEventType
from .base import Decoder, Transcript

_LOGGER = logging.getLogger(__name__)

_Decoded = tuple[list[str], str | None, float]
"""A full decode: segment texts, language, milliseconds."""
_FirstPass = tuple[str, float]
"""A whole request heard by the quick first pass: its text, milliseconds."""


class StreamingSession:
    """Per-utterance state; thrown away after ``finish`` (nothing to reset)."""

    def __init__(
        self,
        *,
        decoder: Decoder,
        vad: VoiceActivityDetector,
        vad_settings: VadSettings,
        fmt: PcmFormat,
        language: str | None,
        decode_executor: Executor,
        vad_executor: Executor,
        max_seconds: float,
        is_complete: Callable[[str], bool] | None = None,
        hotwords: str | None = None,
    ) -> None:
        self._decoder = decoder
        self._hotwords = hotwords
        self._vad = vad.session()
        self._settings = vad_settings
        self._converter = ToModelFormat(fmt)
        self._language = language
        self._decode_executor = decode_executor
        self._vad_executor = vad_executor
        self._max_samples = int(max_seconds * MODEL_RATE)
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self.endpointer = Endpointer(vad_settings)
        self._speculation: asyncio.Task[_Decoded | None] | None = None
        """The decode started at the last pause; None as its result: the first pass was enough."""
        self._speculated_last_frame: int | None = None
        self._is_complete = is_complete
        self._quick: asyncio.Future[_FirstPass | None] | None = None
        """The first pass's verdict at the last pause: the whole request heard, or None."""

    async def feed(self, pcm: bytes) -> list[VadEvent]:
        """Add audio; returns the endpointer events it caused (speech start, pause, end)."""
        samples = self._converter.convert(pcm)
        if self._samples + len(samples) > self._max_samples:
            raise AudioFormatError(
                f"audio longer than {self._max_samples / MODEL_RATE:.0f} s", code="audio-too-long"
            )
        self._chunks.append(samples)
        self._samples += len(samples)
        probabilities = await run_blocking(self._vad_executor, self._vad.probabilities, samples)
        events = self.endpointer.feed(probabilities)
        for event in events:
            if event.type is VadEventType.PAUSE:
                self._speculate()
        return events

    def _speech_window(self) -> np.ndarray:
        """The audio from the first speech (minus padding) to the last speech (plus padding)."""
        audio = np.concatenate(self._chunks) if len(self._chunks) != 1 else self._chunks[0]
        self._chunks = [audio]
        pad = self._settings.speech_pad_ms * MODEL_RATE // 1000
        assert self.endpointer.first_speech_frame is not None and self.endpointer.last_speech_frame is not None
        start = max(0, self.endpointer.first_speech_frame * FRAME_SAMPLES - pad)
        end = min(len(audio), (self.endpointer.last_speech_frame + 1) * FRAME_SAMPLES + pad)
        return audio[start:end]

    def _decode_call(self, samples: np.ndarray) -> _Decoded:
        started = time.perf_counter()
        texts, language = self._decoder.decode(samples, self._language, self._hotwords)
        return texts, language, (time.perf_counter() - started) * 1000

    def _quick_call(self, samples: np.ndarray) -> tuple[str | None, float]:
        started = time.perf_counter()
        text = self._decoder.decode_quick(samples, self._language)
        return text, (time.perf_counter() - started) * 1000

    def _speculate(self) -> None:
        self._speculated_last_frame = self.endpointer.last_speech_frame
        self._quick = asyncio.get_running_loop().create_future() if self._is_complete is not None else None
        # A stale speculation still runs to completion in its thread; we only stop waiting for it.
        self._speculation = asyncio.create_task(
            self._speculative_decode(self._speech_window(), self._quick, self._speculated_last_frame),
            name="stt-speculation",
        )
        self._speculation.add_done_callback(_log_failure)

    async def _speculative_decode(
        self, window: np.ndarray, quick: asyncio.Future[_FirstPass | None] | None, last_frame: int | None
    ) -> _Decoded | None:
        """The full decode, or None when the first pass heard a whole request (its text in ``quick``)
        or when speech resumed meanwhile (the next pause decodes again; nobody reads this one)."""
        if quick is not None and self._is_complete is not None:
            try:
                text, quick_ms = await run_blocking(self._decode_executor, self._quick_call, window)
            except BaseException:
                if not quick.done():
                    quick.set_result(None)  # failed or cancelled: no early verdict
                raise
            whole = text if text and self._is_complete(text) else None
            _LOGGER.debug("first pass heard %r in %.0f ms (a whole request: %s)", text, quick_ms, whole is not None)
            quick.set_result((whole, quick_ms) if whole else None)
            if whole or self.endpointer.last_speech_frame != last_frame:
                return None
        return await run_blocking(self._decode_executor, self._decode_call, window)

    def _speculation_valid(self) -> bool:
        return self._speculation is not None and self._speculated_last_frame == self.endpointer.last_speech_frame

    async def early_transcript(self, min_silence_ms: int) -> str | None:
        """The whole local request heard at the last pause, once at least ``min_silence_ms`` of
        silence followed it; None before that, when speech resumed, or when it was not one.

        Waits for the first pass when it is still running: the audio that arrives meanwhile
        stays queued upstream, and the pass takes a fraction of the endpointing silence.
        """
        if self._quick is None or not self._speculation_valid() or self.endpointer.silence_ms() < min_silence_ms:
            return None
        heard = await asyncio.shield(self._quick)
        return heard[0] if heard is not None else None

    async def finish(self) -> Transcript:
        """The transcript; empty without running Whisper when the VAD heard no speech."""
        stop_time = time.perf_counter()
        tail = self._converter.convert(b"", last=True)
        if len(tail):
            self._chunks.append(tail)
        if not self.endpointer.has_speech:
            await self.aclose()
            return Transcript(text="", language=self._language)
        speculative = self._speculation_valid()
        try:
            if speculative:
                assert self._speculation is not None
                decoded = await self._speculation
                if decoded is None:
                    assert self._quick is not None and (heard := self._quick.result()) is not None
                    text, quick_ms = heard
                    return Transcript(
                        text=text, segments=(text,), language=self._language, speculative=True, first_pass=True,
                        timings_ms={"decode": quick_ms, "wait_after_stop": (time.perf_counter() - stop_time) * 1000},
                    )
                texts, language, decode_ms = decoded
            else:
                texts, language, decode_ms = await run_blocking(
                    self._decode_executor, self._decode_call, self._speech_window()
                )
        except (asyncio.CancelledError, AriaError):
            raise
        except Exception as err:
            raise SttError(f"transcription failed: {err}") from err
        finally:
            await self.aclose()
        return Transcript(
            text=" ".join(texts),
            segments=tuple(texts),
            language=language,
            speculative=speculative,
            timings_ms={"decode": decode_ms, "wait_after_stop": (time.perf_counter() - stop_time) * 1000},
        )

    async def aclose(self) -> None:
        """Release VAD state; a stale speculation is left to finish on its own thread."""
        if self._speculation is not None and not self._speculation.done():
            self._speculation.cancel()
        if self._quick is not None and not self._quick.done():
            self._quick.cancel()
        self._speculation = self._quick = None
        self._vad.close()


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _LOGGER.warning("speculative decode failed", exc_info=task.exception())
