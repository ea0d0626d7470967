"""One Wyoming connection: decode events, call the shared services, encode the answers.

Every event is handled inside a guard: an AriaError becomes an ``error`` event with its code
and the connection keeps going; only an oversize frame (whose payload cannot be skipped safely)
or a broken stream ends the connection.

Every request ends with the event its client waits for, also when it failed: clients such as
Home Assistant 2025.4 (wyoming 1.5.4) ignore ``error`` and wait for ``transcript`` (after
``audio-stop``), ``audio-stop`` (after ``synthesize``) or ``handled``/``not-handled`` (after
``transcript``). So a failure sends ``error`` and then that terminal event: an empty
``transcript``, an empty ``audio-start``/``audio-stop`` (+ ``synthesize-stopped`` when
streaming), a ``not-handled`` with the error's text.
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
from wyoming.info import Info, SelectProgram
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStopped, SynthesizeVoice

from aria_wire.audio import PcmFormat
from aria_wire.errors import IdleTimeout
from aria_wire.framing import FrameLimits, read_frame

from ..error_codes import error_for
from ..errors import AriaError, AudioFormatError, ConfigError, FrameTooLarge, InternalError, ProtocolError, SttError, TtsError
from ..events import EventType, PipelineEvent
from ..pipeline.reply_audio import WYOMING_CHUNK_SAMPLES, chunk_bytes, reply_chunks
from ..pipeline.runner import RunningTurn, TurnRunner
from ..pipeline.turn import TurnRequest
from ..services import Services
from ..stt.hotwords import merge_hotwords
from ..stt.service import SpeechService
from ..stt.session import StreamingSession
from ..tts.service import SpeechSynthesis
from .request_spans import ASR_FACE, TTS_FACE, RequestSpans
from .trust import TrustedClients

_LOGGER = logging.getLogger(__name__)

DEFAULT_TTS_RATE = 22_050
"""Rate of the empty audio that ends a failed synthesis on a server without TTS."""


class _TextStream:
    """Text chunks of one streaming synthesis, fed by events and consumed by the TTS service."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.total_chars = 0
        """Characters queued so far: the stream's total is limited, not only each chunk."""

    async def __aiter__(self) -> AsyncIterator[str]:
        while (text := await self.queue.get()) is not None:
            yield text


class AriaEventHandler(AsyncEventHandler):
    """Per-connection state: at most one transcription and one streaming synthesis at a time."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        services: Services,
        info: Info,
        limits: FrameLimits,
        idle_timeout_s: float | None = None,
        trusted: TrustedClients | None = None,
    ) -> None:
        super().__init__(reader, writer)
        self.services = services
        self.info = info
        """What ``describe`` answers (built once by the server's owner, ``app.create_wyoming_server``)."""
        self.limits = limits
        self.idle_timeout_s = idle_timeout_s
        self.peer = writer.get_extra_info("peername")
        self.trusted = trusted is not None and trusted.allows(self.peer)
        """Whether this client may ask for security-sensitive actions (``trust.py``)."""
        self._write_lock = asyncio.Lock()
        self._language: str | None = None
        self._hotwords: str | None = None
        self._stt_session: StreamingSession | None = None
        self._asr: RequestSpans | None = None
        """The spans of the asr request in flight (counted in /metrics like a turn)."""
        self._text_stream: _TextStream | None = None
        self._synthesis_task: asyncio.Task[None] | None = None
        self._turns: TurnRunner | None = None
        """This connection's ``handle`` turns (made on the first transcript)."""
        self._dispatch: dict[str, Callable[[Event], Awaitable[None]]] = {
            "describe": self._on_describe,
            "ping": self._on_ping,
            "select-program": self._on_select_program,
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
        """Send one event; a lock keeps frames whole when a synthesis task writes concurrently.

        A client that stops reading fills the socket buffer; after ``idle_timeout_s`` of a
        blocked write the connection counts as gone (ConnectionError), so it holds nothing.
        """
        async with self._write_lock:
            try:
                async with asyncio.timeout(self.idle_timeout_s):
                    await async_write_event(event, self.writer)
            except TimeoutError as err:
                raise ConnectionResetError(f"{self.peer} read nothing for {self.idle_timeout_s:g} s") from err

    async def send_error(self, err: AriaError) -> None:
        """Report an error to the client with its stable code."""
        await self.write_event(Error(text=err.message, code=err.code).event())

    async def run(self) -> None:
        """Read guarded frames until the client leaves; one bad event never ends the others."""
        try:
            while True:
                try:
                    event = await read_frame(
                        self.reader, self.limits, idle_timeout_s=self.idle_timeout_s, frame_timeout_s=self.idle_timeout_s
                    )
                except IdleTimeout as err:
                    if not err.mid_frame and self._synthesis_task is not None:
                        continue  # the client is listening to a long answer: not idle
                    _LOGGER.info("closing %s: %s", self.peer, err)
                    await self.send_error(err)
                    return
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
        except asyncio.IncompleteReadError as err:
            _LOGGER.info("connection from %s ended mid-frame: %r", self.peer, err)
        except ConnectionError as err:
            _LOGGER.info("%s left: %r", self.peer, err)
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
            await self._fail(event, err)
        except (KeyError, TypeError, ValueError) as err:
            # The library's from_event raises these for missing or mistyped fields.
            await self._fail(event, ProtocolError(f"malformed {event.type} event: {err!r}", code="bad-event"))
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:
            _LOGGER.exception("unexpected failure handling %s from %s", event.type, self.peer)
            await self._fail(event, InternalError("internal error"))
        return True

    async def _fail(self, event: Event, err: AriaError) -> None:
        """``error``, then the event that ends the failed request for clients that ignore errors."""
        # Counted first, like a success, so a client holding its answer finds it in /metrics.
        if event.type.startswith("audio-") and self._asr is not None:
            self._asr, spans = None, self._asr
            await spans.finish(err)
        elif event.type == "synthesize":  # refused before any synthesis (voice, length)
            await RequestSpans(self.services.recorder, TTS_FACE).finish(err)
        await self.send_error(err)
        if event.type == "audio-stop":
            await self.write_event(Transcript(text="").event())
        elif event.type in ("synthesize", "synthesize-stop"):
            await self._end_audio(started=False, streaming=event.type == "synthesize-stop")
        elif event.type == "transcript":
            await self.write_event(NotHandled(text=err.message).event())

    async def _end_audio(self, *, started: bool, streaming: bool) -> None:
        """Close a synthesis: audio-start if none was sent, audio-stop, synthesize-stopped if streaming."""
        if not started:
            rate = self.services.tts.sample_rate if self.services.tts is not None else DEFAULT_TTS_RATE
            await self.write_event(AudioStart(rate=rate, width=2, channels=1).event())
        await self.write_event(AudioStop().event())
        if streaming:
            await self.write_event(SynthesizeStopped().event())

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
        await self.write_event(self.info.event())

    async def _on_ping(self, event: Event) -> None:
        await self.write_event(Pong(text=Ping.from_event(event).text).event())

    async def _on_select_program(self, event: Event) -> None:
        """Wyoming 1.10: a client picks a program by name. Aria serves one program per domain, so
        one of its names is accepted as is and any other is refused (never silently replaced)."""
        name = SelectProgram.from_event(event).name
        info = self.info
        names = [p.name for p in (*info.asr, *info.tts, *info.handle)]
        if name not in names:
            raise ProtocolError(f"no program {name!r} here (programs: {', '.join(names)})", code="unknown-program")

    # -- speech-to-text ----------------------------------------------------------------------

    def _require_stt(self) -> SpeechService:
        if self.services.stt is None:
            raise SttError("speech-to-text is not enabled on this server", code="stt-unavailable")
        return self.services.stt

    async def _on_transcribe(self, event: Event) -> None:
        self._require_stt()
        transcribe = Transcribe.from_event(event)
        self._language = transcribe.language
        # Wyoming 1.9+: names (first) and terms bias Whisper. vad_sensitivity does not apply:
        # on this path the client ends the audio (info says requires_external_vad).
        self._hotwords = merge_hotwords(transcribe.transcript_names, transcribe.transcript_terms)

    async def _on_audio_start(self, event: Event) -> None:
        stt = self._require_stt()
        start = AudioStart.from_event(event)
        if self._stt_session is not None:
            await self._stt_session.aclose()
        self._stt_session = None
        self._stt_session = stt.start(
            PcmFormat(start.rate, start.width, start.channels), self._language, hotwords=self._hotwords
        )
        self._asr = RequestSpans(self.services.recorder, ASR_FACE)

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
        if self._asr is not None:
            self._asr.mark("audio_end")
        result = await session.finish()
        _LOGGER.debug("transcript %r (%s)", result.text, result.timings_ms)
        if self._asr is not None:
            self._asr, spans = None, self._asr
            spans.mark("stt_done")
            await spans.finish(transcript=result.text, stt=dict(result.timings_ms))
        await self.write_event(TranscriptStart(language=result.language).event())
        for segment in result.segments:
            await self.write_event(TranscriptChunk(text=segment + " ").event())
        await self.write_event(TranscriptStop().event())
        await self.write_event(Transcript(text=result.text, language=result.language).event())
        self._language = None
        self._hotwords = None

    # -- text-to-speech ----------------------------------------------------------------------

    def _require_tts(self) -> SpeechSynthesis:
        if self.services.tts is None:
            raise TtsError("text-to-speech is not enabled on this server", code="tts-unavailable")
        return self.services.tts

    async def _on_synthesize(self, event: Event) -> None:
        tts = self._require_tts()
        if self._text_stream is not None:
            # Streaming clients also send a plain synthesize for old servers: already handled.
            return
        synthesize = Synthesize.from_event(event)
        _check_voice(tts, synthesize.voice)
        text = _text_field(synthesize.text, "synthesize")
        tts.check_text(text)
        await self._speak(tts, _single(text), streaming=False, voice=synthesize.voice)

    async def _on_synthesize_start(self, event: Event) -> None:
        tts = self._require_tts()
        voice = SynthesizeStart.from_event(event).voice
        if self._synthesis_task is not None:
            self._synthesis_task.cancel()
        self._text_stream = _TextStream()
        self._synthesis_task = asyncio.create_task(
            self._speak(tts, aiter(self._text_stream), streaming=True, voice=voice), name=f"wyoming-synthesis {self.peer}"
        )
        self._synthesis_task.add_done_callback(self._on_synthesis_done)

    async def _on_synthesize_chunk(self, event: Event) -> None:
        if self._text_stream is None:
            raise ProtocolError("synthesize-chunk without synthesize-start", code="synthesis-not-started")
        text = _text_field(SynthesizeChunk.from_event(event).text, "synthesize-chunk")
        stream = self._text_stream
        # Checked here, before queueing: once the synthesis has given up, nothing would drain it.
        self._require_tts().check_total(stream.total_chars + len(text))
        stream.total_chars += len(text)
        stream.queue.put_nowait(text)

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

    async def _speak(
        self, tts: SpeechSynthesis, text: AsyncIterator[str], *, streaming: bool, voice: SynthesizeVoice | None = None
    ) -> None:
        """Send audio-start, each piece's audio as soon as it exists, audio-stop (+ stopped)."""
        fmt = {"rate": tts.sample_rate, "width": 2, "channels": 1}
        started = False
        spans = RequestSpans(self.services.recorder, TTS_FACE)
        try:
            _check_voice(tts, voice)
            # A voice asked for by name or language picks that language's voice (--tts-language-voices).
            language = (voice.language or tts.language_of_voice(voice.name)) if voice is not None else None
            async for audio in tts.synthesize(text, language):
                spans.mark("first_clause", audio.ready_t_ns)
                if not started:
                    await self.write_event(AudioStart(**fmt).event())
                    started = True
                for chunk in reply_chunks(audio.pcm, chunk_bytes(WYOMING_CHUNK_SAMPLES)):
                    await self.write_event(AudioChunk(audio=chunk, **fmt).event())
                    spans.mark("first_audio_out")
        except AriaError as err:
            # Mid-synthesis: the client still gets the end of the audio (see the module docstring).
            _LOGGER.warning("synthesis for %s failed: %s", self.peer, err)
            await spans.finish(err)
            await self.send_error(err)
            if streaming:
                # The request ends at the client's synthesize-stop: its remaining text is dropped.
                async for _ in text:
                    pass
        await spans.finish()  # before the last event (a no-op after a failure)
        await self._end_audio(started=started, streaming=streaming)

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
            raise ConfigError("this server has no conversation agent", code="no-agent")
        transcript = Transcript.from_event(event)
        _text_field(transcript.text, "transcript")
        if transcript.language is not None and not isinstance(transcript.language, str):
            raise ProtocolError("transcript language must be a string", code="bad-event")
        if transcript.context is not None and not isinstance(transcript.context, dict):
            raise ProtocolError("transcript context must be an object", code="bad-event")
        context = dict(transcript.context or {})
        if not agent.supports_language(transcript.language):
            await self.write_event(
                NotHandled(text=f"language {transcript.language} is not supported", context=context).event()
            )
            return
        runner = self._turn_runner()
        explicit = context.get("conversation_id")
        client = self._session_key(context)
        conversation_id = await runner.conversation_id(client, explicit if isinstance(explicit, str) else None)
        context["conversation_id"] = conversation_id
        await self.write_event(HandledStart(context=context).event())
        # timers_ring=False: Aria's timer events reach its own satellites and sessions, not a
        # Wyoming handle client, so a timer asked for here is refused rather than set silently.
        request = TurnRequest(
            conversation_id, text=transcript.text, language=transcript.language, speak=False, timers_ring=False,
            trusted=self.trusted,
        )
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
                failed.append(error_for(str(event.data.get("code")), str(event.data.get("message", ""))))

        await turn.run_pipeline(request, translate)
        if failed:
            # Answered with the error event by handle_event (no handled-stop), as before the runner.
            raise failed[0]
        await self.write_event(HandledStop().event())
        await self.write_event(Handled(text="".join(parts), context=context).event())

    def _session_key(self, context: dict[str, object]) -> str:
        """The conversation session of a client without a conversation id: its host (Home
        Assistant opens a new port per request and, before wyoming 1.7, drops the context), plus
        the satellite or device the context names, so two satellites behind one host stay apart."""
        host = self.peer[0] if isinstance(self.peer, tuple) else str(self.peer)
        device = next((v for k in ("satellite_id", "device_id") if isinstance(v := context.get(k), str) and v), None)
        return f"wyoming {host}" if device is None else f"wyoming {host} {device}"


def _text_field(value: object, event_type: str) -> str:
    """The event's text, or ProtocolError: JSON lets a client send a number or a list there."""
    if not isinstance(value, str):
        raise ProtocolError(f"{event_type} text must be a string, not {type(value).__name__}", code="bad-event")
    return value


async def _single(text: str) -> AsyncIterator[str]:
    yield text


def _check_voice(tts: SpeechSynthesis, voice: SynthesizeVoice | None) -> None:
    """A requested voice must be one this server speaks with (it has one loaded voice per engine)."""
    if voice is None or (voice.name is None and voice.speaker is None):
        return
    names = [v.name for v in tts.voices]
    if voice.name is not None and voice.name not in names:
        raise TtsError(f"voice {voice.name!r} is not installed (installed: {', '.join(names)})", code="voice-not-installed")
    if voice.speaker is not None:
        # The installed Piper voices have a single speaker each.
        raise TtsError(f"voice {voice.name or names[0]!r} has no speaker {voice.speaker!r}", code="speaker-not-installed")
