"""One Wyoming connection: decode events, call the shared services, encode the answers.

Every event is handled inside a guard: an AriaError becomes an ``error`` event with its code
and the connection keeps going; only an oversize frame (whose payload cannot be skipped safely)
or a broken stream ends the connection.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStopped

from aria_wire.audio import PcmFormat
from aria_wire.framing import FrameLimits, read_frame

from ..errors import AriaError, AudioFormatError, FrameTooLarge, ProtocolError
from ..events import EventType, PipelineEvent
from ..pipeline.reply_audio import WYOMING_CHUNK_SAMPLES, chunk_bytes, reply_chunks
from ..pipeline.runner import RunningTurn, TurnRunner
from ..pipeline.turn import TurnRequest
from ..services import Services
from ..stt.service import SpeechService
from ..stt.session import StreamingSession
from ..tts.service import SpeechSynthesis

_LOGGER = logging.getLogger(__name__)


class _TextStream:
    """Text chunks of one streaming synthesis, fed by events and consumed by the TTS service."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def __aiter__(self) -> AsyncIterator[str]:
        while (text := await self.queue.get()) is not None:
            yield text


class AriaEventHandler(AsyncEventHandler):
    """Per-connection state: at most one transcription and one streaming synthesis at a time."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, services: Services, limits: FrameLimits
    ) -> None:
        super().__init__(reader, writer)
        self.services = services
        self.limits = limits
        self.peer = writer.get_extra_info("peername")
        self._write_lock = asyncio.Lock()
        self._language: str | None = None
        self._stt_session: StreamingSession | None = None
        self._text_stream: _TextStream | None = None
        self._synthesis_task: asyncio.Task[None] | None = None
        self._turns: TurnRunner | None = None
        """This connection's ``handle`` turns (made on the first transcript)."""
        self._dispatch: dict[str, Callable[[Event], Awaitable[None]]] = {
            "describe": self._on_describe,
            "ping": self._on_ping,
            "transcribe": self._on_transcribe,
            "audio-start": self._on_audio_start,
            "audio-chunk": self._on_audio_chunk,
            "audio-stop": self._on_audio_stop,
            "synthesize": self._on_synthesize,
            "synthesize-start": self._on_synthesize_start,
            "synthesize-chunk": self._on_synthesize_chunk,
            "synthesize-stop": self._on_synthesize_stop,
            "transcript": self._on_transcript,
        }

    async def write_event(self, event: Event) -> None:
        """Send one event; a lock keeps frames whole when a synthesis task writes concurrently."""
        async with self._write_lock:
            await async_write_event(event, self.writer)

    async def send_error(self, err: AriaError) -> None:
        """Report an error to the client with its stable code."""
        await self.write_event(Error(text=err.message, code=err.code).event())

    async def run(self) -> None:
        """Read guarded frames until the client leaves; one bad event never ends the others."""
        try:
            while True:
                try:
                    event = await read_frame(self.reader, self.limits)
                except FrameTooLarge as err:
                    _LOGGER.warning("closing %s: %s", self.peer, err)
                    await self.send_error(err)
                    return
                except ProtocolError as err:
                    _LOGGER.warning("bad frame from %s: %s", self.peer, err)
                    await self.send_error(err)
                    continue
                if event is None:
                    return
                await self.handle_event(event)
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            _LOGGER.info("connection from %s ended mid-frame: %r", self.peer, err)
        finally:
            await self.disconnect()
            self.writer.close()

    async def handle_event(self, event: Event) -> bool:
        """Dispatch one event, answering failures with an error event."""
        handler = self._dispatch.get(event.type)
        if handler is None:
            _LOGGER.debug("ignoring %s event from %s", event.type, self.peer)
            return True
        try:
            await handler(event)
        except AriaError as err:
            _LOGGER.warning("%s event from %s failed: %s", event.type, self.peer, err)
            await self.send_error(err)
        except (KeyError, TypeError, ValueError) as err:
            # The library's from_event raises these for missing or mistyped fields.
            await self.send_error(ProtocolError(f"malformed {event.type} event: {err!r}", code="bad-event"))
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:
            _LOGGER.exception("unexpected failure handling %s from %s", event.type, self.peer)
            await self.send_error(AriaError("internal error", code="internal-error"))
        return True

    async def disconnect(self) -> None:
        """Drop in-flight work of this connection only."""
        if self._stt_session is not None:
            await self._stt_session.aclose()
            self._stt_session = None
        if self._synthesis_task is not None:
            self._synthesis_task.cancel()
            await asyncio.gather(self._synthesis_task, return_exceptions=True)
        if self._turns is not None:
            await self._turns.close()

    # -- describe / ping ---------------------------------------------------------------------

    async def _on_describe(self, event: Event) -> None:
        await self.write_event(self.services.info.event())

    async def _on_ping(self, event: Event) -> None:
        await self.write_event(Pong(text=Ping.from_event(event).text).event())

    # -- speech-to-text ----------------------------------------------------------------------

    def _require_stt(self) -> SpeechService:
        if self.services.stt is None:
            raise AriaError("speech-to-text is not enabled on this server", code="stt-unavailable")
        return self.services.stt

    async def _on_transcribe(self, event: Event) -> None:
        self._require_stt()
        self._language = Transcribe.from_event(event).language

    async def _on_audio_start(self, event: Event) -> None:
        stt = self._require_stt()
        start = AudioStart.from_event(event)
        if self._stt_session is not None:
            await self._stt_session.aclose()
        self._stt_session = None
        self._stt_session = stt.start(PcmFormat(start.rate, start.width, start.channels), self._language)

    async def _on_audio_chunk(self, event: Event) -> None:
        if self._stt_session is None:
            raise AudioFormatError("audio-chunk without audio-start", code="audio-not-started")
        chunk = AudioChunk.from_event(event)
        try:
            await self._stt_session.feed(chunk.audio)
        except AriaError:
            await self._stt_session.aclose()
            self._stt_session = None
            raise

    async def _on_audio_stop(self, event: Event) -> None:
        if self._stt_session is None:
            raise AudioFormatError("audio-stop without audio-start", code="audio-not-started")
        session, self._stt_session = self._stt_session, None
        result = await session.finish()
        _LOGGER.debug("transcript %r (%s)", result.text, result.timings_ms)
        await self.write_event(TranscriptStart(language=result.language).event())
        for segment in result.segments:
            await self.write_event(TranscriptChunk(text=segment + " ").event())
        await self.write_event(TranscriptStop().event())
        await self.write_event(Transcript(text=result.text, language=result.language).event())
        self._language = None

    # -- text-to-speech ----------------------------------------------------------------------

    def _require_tts(self) -> SpeechSynthesis:
        if self.services.tts is None:
            raise AriaError("text-to-speech is not enabled on this server", code="tts-unavailable")
        return self.services.tts

    async def _on_synthesize(self, event: Event) -> None:
        tts = self._require_tts()
        if self._text_stream is not None:
            # Streaming clients also send a plain synthesize for old servers: already handled.
            return
        text = Synthesize.from_event(event).text
        tts.check_text(text)
        await self._speak(tts, _single(text), streaming=False)

    async def _on_synthesize_start(self, event: Event) -> None:
        tts = self._require_tts()
        SynthesizeStart.from_event(event)
        if self._synthesis_task is not None:
            self._synthesis_task.cancel()
        self._text_stream = _TextStream()
        self._synthesis_task = asyncio.create_task(
            self._speak(tts, aiter(self._text_stream), streaming=True), name=f"wyoming-synthesis {self.peer}"
        )
        self._synthesis_task.add_done_callback(self._on_synthesis_done)

    async def _on_synthesize_chunk(self, event: Event) -> None:
        if self._text_stream is None:
            raise ProtocolError("synthesize-chunk without synthesize-start", code="synthesis-not-started")
        text = SynthesizeChunk.from_event(event).text
        self._require_tts().check_text(text)
        self._text_stream.queue.put_nowait(text)

    async def _on_synthesize_stop(self, event: Event) -> None:
        if self._text_stream is None:
            raise ProtocolError("synthesize-stop without synthesize-start", code="synthesis-not-started")
        self._text_stream.queue.put_nowait(None)
        self._text_stream = None

    def _on_synthesis_done(self, task: asyncio.Task[None]) -> None:
        if task is self._synthesis_task:
            self._synthesis_task = None
        if not task.cancelled() and (err := task.exception()) is not None:
            _LOGGER.error("streaming synthesis for %s failed", self.peer, exc_info=err)

    async def _speak(self, tts: SpeechSynthesis, text: AsyncIterator[str], *, streaming: bool) -> None:
        """Send audio-start, each piece's audio as soon as it exists, audio-stop (+ stopped)."""
        fmt = {"rate": tts.sample_rate, "width": 2, "channels": 1}
        started = False
        try:
            async for audio in tts.synthesize(text):
                if not started:
                    await self.write_event(AudioStart(**fmt).event())
                    started = True
                for chunk in reply_chunks(audio.pcm, chunk_bytes(WYOMING_CHUNK_SAMPLES)):
                    await self.write_event(AudioChunk(audio=chunk, **fmt).event())
        except AriaError as err:
            if not streaming:
                raise
            await self.send_error(err)
        if not started:
            await self.write_event(AudioStart(**fmt).event())
        await self.write_event(AudioStop().event())
        if streaming:
            await self.write_event(SynthesizeStopped().event())


    # -- handle (conversation) ------------------------------------------------------------------

    def _turn_runner(self) -> TurnRunner:
        if self._turns is None:
            agent = self.services.agent
            self._turns = TurnRunner(
                self.services.pipeline,
                self.services.recorder,
                face="wyoming",
                name=f"wyoming-handle {self.peer}",
                conversations=agent.sessions if agent is not None else None,
            )
        return self._turns

    async def _on_transcript(self, event: Event) -> None:
        """Answer a transcript: handled-start, a handled-chunk per delta, handled-stop, handled.

        A text turn (no speech) through the same turn runner as every face. The conversation is
        the one named in the transcript's context (``conversation_id``), else this connection's;
        its id goes back in the ``handled`` context for the follow-up.
        """
        agent = self.services.agent
        if agent is None or self.services.pipeline is None:
            raise AriaError("this server has no conversation agent", code="no-agent")
        transcript = Transcript.from_event(event)
        context = dict(transcript.context or {})
        if not agent.supports_language(transcript.language):
            await self.write_event(
                NotHandled(text=f"language {transcript.language} is not supported", context=context).event()
            )
            return
        runner = self._turn_runner()
        explicit = context.get("conversation_id")
        # The client key of a connection without an id (the hook for keying by client later).
        client = f"wyoming {self.peer}"
        conversation_id = await runner.conversation_id(client, explicit if isinstance(explicit, str) else None)
        context["conversation_id"] = conversation_id
        await self.write_event(HandledStart(context=context).event())
        request = TurnRequest(conversation_id, text=transcript.text, language=transcript.language, speak=False)
        turn = await runner.start(
            functools.partial(self._handle_turn, request, context), info={"conversation_id": conversation_id}
        )
        # Awaited here, so a connection answers one transcript at a time; a client that leaves
        # mid-answer cancels this, which cancels the turn and its generation at once.
        await turn.task

    async def _handle_turn(self, request: TurnRequest, context: dict[str, Any], turn: RunningTurn) -> None:
        parts: list[str] = []
        failed: list[AriaError] = []

        async def translate(event: PipelineEvent) -> None:
            if event.type is EventType.LLM_DELTA:
                parts.append(str(event.data.get("text", "")))
                await self.write_event(HandledChunk(text=parts[-1]).event())
            elif event.type is EventType.ERROR:
                failed.append(AriaError(str(event.data.get("message", "")), code=str(event.data.get("code"))))

        await turn.run_pipeline(request, translate)
        if failed:
            # Answered with the error event by handle_event (no handled-stop), as before the runner.
            raise failed[0]
        await self.write_event(HandledStop().event())
        await self.write_event(Handled(text="".join(parts), context=context).event())


async def _single(text: str) -> AsyncIterator[str]:
    yield text
