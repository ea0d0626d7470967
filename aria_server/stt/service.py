"""The STT service: one decoder, one VAD model, their executors; a session per utterance."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from aria_wire.audio import PcmFormat

from ..concurrency import model_executor
from ..settings import FinalDecode, VadSettings
from ..vad.base import VoiceActivityDetector
from ..vad.end_of_turn import TurnCompletion
from .base import Decoder
from .hotwords import MAX_HOTWORDS_CHARS as MAX_HOTWORDS_CHARS  # re-exported for callers of start()
from .hotwords import merge_hotwords
from .session import StreamingSession


class SpeechService:
    """Shared by every face; sessions are independent, so clients cannot disturb each other."""

    def __init__(
        self,
        decoder: Decoder,
        vad: VoiceActivityDetector,
        vad_settings: VadSettings,
        max_seconds: float,
        end_of_turn: TurnCompletion | None = None,
        final_decode: FinalDecode = "full",
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
        self._decode_executor = model_executor("stt", 1)
        self._vad_executor = model_executor("vad", 2)
        self._turn_executor = model_executor("end-of-turn", 1)

    @property
    def vad_settings(self) -> VadSettings:
        """The endpointing settings every session uses."""
        return self._vad_settings

    def start(
        self,
        fmt: PcmFormat,
        language: str | None = None,
        *,
        is_complete: Callable[[str], bool] | None = None,
        is_unfinished: Callable[[str], bool] | None = None,
        endpointing: bool = False,
        clock: Callable[[], float] = time.monotonic,
        hotwords: str | None = None,
        on_turn_complete: Callable[[str], None] | None = None,
    ) -> StreamingSession:
        """A new streaming session for audio in ``fmt`` (see ``StreamingSession`` for the first pass);
        ``endpointing``: the turn ends on silence, so each pause is judged (end of turn or not),
        ``is_unfinished`` telling words that stop mid-sentence;
        ``clock`` tells a microphone from a recording (tests pass a simulated one);
        ``hotwords`` biases its full decode; ``on_turn_complete`` hears the quick transcript of a
        pause that looks like the end of the turn."""
        hotwords = merge_hotwords(hotwords, self.home_names() if self.home_names is not None else ())
        return StreamingSession(
            decoder=self.decoder,
            vad=self.vad,
            vad_settings=self._vad_settings,
            fmt=fmt,
            language=language,
            decode_executor=self._decode_executor,
            vad_executor=self._vad_executor,
            max_seconds=self._max_seconds,
            is_complete=is_complete,
            is_unfinished=is_unfinished,
            endpointing=endpointing,
            end_of_turn=self.end_of_turn,
            turn_executor=self._turn_executor,
            clock=clock,
            hotwords=hotwords,
            on_turn_complete=on_turn_complete,
            final_decode=self.final_decode,
        )

    def close(self) -> None:
        """Stop the worker threads (after the server has stopped accepting work)."""
        self._decode_executor.shutdown(wait=False, cancel_futures=True)
        self._vad_executor.shutdown(wait=False, cancel_futures=True)
        self._turn_executor.shutdown(wait=False, cancel_futures=True)
