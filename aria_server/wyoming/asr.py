"""Wyoming ``asr``: transcribe, then audio-start / audio-chunk / audio-stop, answered by a transcript.

A connection transcribes one utterance at a time, in a throwaway STT session; the request's
spans are counted in /metrics like a turn (``request_spans.py``).
"""

from __future__ import annotations

import logging

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event

from aria_wire.audio import PcmFormat

from ..errors import AriaError, AudioFormatError, SttError
from ..stt.hotwords import merge_hotwords
from ..stt.service import SpeechService
from ..stt.session import StreamingSession
from .connection import Connection, EventCallback
from .request_spans import ASR_FACE, RequestSpans

_LOGGER = logging.getLogger(__name__)


class Transcription:
    """The asr requests of one connection: the options of the next utterance and its STT session."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._language: str | None = None
        self._hotwords: str | None = None
        self._session: StreamingSession | None = None
        self._spans: RequestSpans | None = None
        """The spans of the asr request in flight (counted in /metrics like a turn)."""

    def routes(self) -> dict[str, EventCallback]:
        """transcribe, audio-start, audio-chunk, audio-stop."""
        return {
            "transcribe": self.on_transcribe,
            "audio-start": self.on_audio_start,
            "audio-chunk": self.on_audio_chunk,
            "audio-stop": self.on_audio_stop,
        }

    def _require_stt(self) -> SpeechService:
        if self.connection.services.stt is None:
            raise SttError("speech-to-text is not enabled on this server", code="stt-unavailable")
        return self.connection.services.stt

    async def on_transcribe(self, event: Event) -> None:
        self._require_stt()
        transcribe = Transcribe.from_event(event)
        self._language = transcribe.language
        # Wyoming 1.9+: names (first) and terms bias Whisper. vad_sensitivity does not apply:
        # on this path the client ends the audio (info says requires_external_vad).
        self._hotwords = merge_hotwords(transcribe.transcript_names, transcribe.transcript_terms)

    async def on_audio_start(self, event: Event) -> None:
        stt = self._require_stt()
        start = AudioStart.from_event(event)
        if self._session is not None:
            await self._session.aclose()
        self._session = None
        self._session = stt.start(
            PcmFormat(start.rate, start.width, start.channels), self._language, hotwords=self._hotwords
        )
        self._spans = RequestSpans(self.connection.services.recorder, ASR_FACE)

    async def on_audio_chunk(self, event: Event) -> None:
        if self._session is None:
            raise AudioFormatError("audio-chunk without audio-start", code="audio-not-started")
        chunk = AudioChunk.from_event(event)
        try:
            await self._session.feed(chunk.audio)
        except AriaError:
            await self._session.aclose()
            self._session = None
            raise

    async def on_audio_stop(self, event: Event) -> None:
        if self._session is None:
            raise AudioFormatError("audio-stop without audio-start", code="audio-not-started")
        session, self._session = self._session, None
        if self._spans is not None:
            self._spans.mark("audio_end")
        result = await session.finish()
        _LOGGER.debug("transcript %r (%s)", result.text, result.timings_ms)
        if self._spans is not None:
            spans, self._spans = self._spans, None
            spans.mark("stt_done")
            await spans.finish(transcript=result.text, stt=dict(result.timings_ms))
        write = self.connection.write_event
        await write(TranscriptStart(language=result.language).event())
        for segment in result.segments:
            await write(TranscriptChunk(text=segment + " ").event())
        await write(TranscriptStop().event())
        await write(Transcript(text=result.text, language=result.language).event())
        self._language = None
        self._hotwords = None

    async def fail(self, event: Event, err: AriaError) -> None:
        """Count a failed audio request, send ``error``; after audio-stop, an empty transcript."""
        # Counted first, like a success, so a client holding its answer finds it in /metrics.
        if event.type.startswith("audio-") and self._spans is not None:
            spans, self._spans = self._spans, None
            await spans.finish(err)
        await self.connection.send_error(err)
        if event.type == "audio-stop":
            await self.connection.write_event(Transcript(text="").event())

    async def close(self) -> None:
        """Close the STT session in flight, if any."""
        if self._session is not None:
            await self._session.aclose()
            self._session = None
