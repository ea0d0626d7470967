"""The STT service: one decoder, one VAD model, their executors; a session per utterance."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aria_wire.audio import PcmFormat

from ..concurrency import model_executor
from ..settings import FinalDecode, VadSettings
from ..vad.base import VoiceActivityDetector
from ..vad.end_of_turn import TurnCompletion
from .base import Decoder
from .hotwords import MAX_HOTWORDS_CHARS as MAX_HOTWORDS_CHARS  # re-exported for callers of start()
from .hotwords import merge_hotwords
from .options import SessionModels, SessionOptions
from .session import StreamingSession

if TYPE_CHECKING:
    from ..turn_taking.turn import TurnDecisions


class SpeechService:
    """Shared by every face; sessions are independent, so clients cannot disturb each other."""

    def __init__(
        self,
        decoder: Decoder,
        vad: VoiceActivityDetector,
        vad_settings: VadSettings,
        max_seconds: float,
        end_of_turn: TurnCompletion | None = None,
        final_decode: FinalDecode = "first-pass",
        *,
        home_names: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self.decoder = decoder
        self.final_decode = final_decode
        """How a spoken turn's transcript is made (``stt.final_decode``; see ``StreamingSession``)."""
        self.vad = vad
        self.end_of_turn = end_of_turn
        """The semantic end-of-turn model, when one is loaded."""
        self.home_names = home_names
        """Names every decode should favour besides the client's own (Home Assistant's exposed
        entities and areas, when it is configured; read at each session's start, so kept fresh)."""
        self._vad_settings = vad_settings
        self._max_seconds = max_seconds
        # Whisper saturates the cores by itself: decodes queue on one thread instead of thrashing.
        self._models = SessionModels(
            decoder, vad, model_executor("stt", 1), model_executor("vad", 2), end_of_turn, model_executor("end-of-turn", 1)
        )

    @property
    def vad_settings(self) -> VadSettings:
        """The endpointing settings every session uses."""
        return self._vad_settings

    def start(
        self,
        fmt: PcmFormat,
        language: str | None = None,
        *,
        turn: TurnDecisions | None = None,
        endpointing: bool = False,
        clock: Callable[[], float] = time.monotonic,
        hotwords: str | None = None,
    ) -> StreamingSession:
        """A new streaming session for audio in ``fmt``; ``endpointing``: silence ends the turn,
        and ``turn`` (its decisions) judges each pause; ``clock`` tells a microphone from a
        recording (tests pass a simulated one); ``hotwords`` (with the home's names) bias the decode."""
        options = SessionOptions(
            fmt, language, self._max_seconds, endpointing,
            merge_hotwords(hotwords, self.home_names() if self.home_names is not None else ()),
            self.final_decode, clock,
        )
        return StreamingSession(self._models, self._vad_settings, options, turn)

    def close(self) -> None:
        """Stop the worker threads (after the server has stopped accepting work)."""
        for executor in (self._models.decode_executor, self._models.vad_executor, self._models.turn_executor):
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
