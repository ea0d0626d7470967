"""One voice turn, stage by stage: VAD -> STT -> conversation -> TTS (which chunks the reply).

Every face (Wyoming satellites, the browser's /ws, Wyoming ``handle``) runs turns through
``VoicePipeline.run_turn``, by way of its client's ``pipeline.runner.TurnRunner``, and
translates the resulting ``PipelineEvent`` stream at its edge.
The LLM and TTS run concurrently: each text delta goes to the chunker at once, and each
clause's audio is emitted as soon as it exists. Closing the event iterator (barge-in) cancels
whatever is still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from aria_wire.audio import PcmFormat

from ..conversation.base import ConversationAgent
from ..conversation.speculation import Outcome, Speculation, same_request
from ..errors import AriaError, RequestError
from ..events import EventType, PipelineEvent
from ..stt.service import SpeechService
from ..tts.service import SpeechSynthesis
from ..vad.endpointer import VadEventType

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnRequest:
    """Input of one turn: microphone audio (ended by the VAD or the stream) or typed text."""

    conversation_id: str
    audio: AsyncIterable[bytes] | None = None
    audio_format: PcmFormat | None = None
    text: str | None = None
    language: str | None = None
    end_on_silence: bool = True
    """Stop listening when the VAD hears the end of speech (False: only when the audio ends)."""
    speak: bool = True
    """Synthesize the reply (False for text-only clients)."""
    timers_ring: bool = True
    """Whether a timer set in this turn can ring where the user is (False for a Wyoming handle
    client such as Home Assistant, which gets no timer events from Aria)."""
    answer: bool = True
    """Answer the transcript (False: only listen, for a question the house asked)."""
    satellite: str | None = None
    """The satellite the turn is heard on (its room narrows home requests)."""
    trusted: bool = False
    """Whether the requester may ask for security-sensitive actions (``ConversationRequest.trusted``)."""


class VoicePipeline:
    """Holds the shared stage services; every turn is independent."""

    def __init__(self, stt: SpeechService | None, agent: ConversationAgent, tts: SpeechSynthesis | None) -> None:
        self.stt = stt
        self.agent = agent
        self.tts = tts

    async def run_turn(self, request: TurnRequest) -> AsyncGenerator[PipelineEvent, None]:
        """The events of one turn, ending with TURN_END (after an ERROR when a stage failed)."""
        turn = _Turn(self, request)
        async for event in turn.events():
            yield event


class _Turn:
    """The state of one running turn (thrown away afterwards)."""

    def __init__(self, pipeline: VoicePipeline, request: TurnRequest) -> None:
        self.pipeline = pipeline
        self.request = request
        self.turn_id = uuid.uuid4().hex[:12]
        self.heard_language: str | None = None
        """The language the transcript was in (its voice speaks the answer unless the request sets one)."""
        self.queue: asyncio.Queue[PipelineEvent | None] = asyncio.Queue()
        self.speculation: Speculation | None = None
        """The reply started on the quick transcript of a pause (at most one per turn)."""
        self._speculating: asyncio.Task[None] | None = None

    def _event(self, type_: EventType, **data: Any) -> PipelineEvent:
        return PipelineEvent(type_, self.turn_id, data)

    def emit(self, type_: EventType, **data: Any) -> None:
        self.queue.put_nowait(self._event(type_, **data))

    async def events(self) -> AsyncIterator[PipelineEvent]:
        yield self._event(EventType.TURN_START, conversation_id=self.request.conversation_id)
        runner = asyncio.create_task(self._run(), name=f"turn {self.turn_id}")
        try:
            while (event := await self.queue.get()) is not None:
                yield event
            await runner
        finally:
            if not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner

    async def _run(self) -> None:
        outcome: dict[str, Any] = {"outcome": "done"}
        cancelled = False
        try:
            text = self.request.text
            if text is None:
                text = await self._listen()
            if text.strip() and self.request.answer:
                await self._answer(text)
            elif text.strip():
                outcome = {"outcome": "heard"}
            else:
                outcome = {"outcome": "no-speech"}
        except AriaError as err:
            _LOGGER.warning("turn %s failed: %s", self.turn_id, err)
            self.emit(EventType.ERROR, code=err.code, message=err.message)
            outcome = {"outcome": "error", "code": err.code}
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if (speculated := self._end_speculation(cancelled)) is not None:
                outcome["speculation"] = speculated
            self.emit(EventType.TURN_END, **outcome)
            self.queue.put_nowait(None)
            if self.speculation is not None:
                await self.speculation.wait_stopped()  # a cancelled turn leaves the model free

    async def _listen(self) -> str:
        stt = self.pipeline.stt
        if stt is None or self.request.audio is None or self.request.audio_format is None:
            raise RequestError("this turn has neither text nor audio with a format", code="bad-turn")
        early_end_ms = stt.vad_settings.complete_request_end_ms if self.request.end_on_silence else 0
        language = self.request.language
        session = stt.start(
            self.request.audio_format,
            language,
            is_complete=(
                partial(self.pipeline.agent.is_complete_request, language=language, satellite=self.request.satellite)
                if early_end_ms else None
            ),
            is_unfinished=partial(self.pipeline.agent.sounds_unfinished, language=language),
            endpointing=self.request.end_on_silence,
            on_turn_complete=self._speculate if self.request.answer and self.request.end_on_silence else None,
        )
        try:
            async for pcm in self.request.audio:
                ended = False
                for vad in await session.feed(pcm):
                    if vad.type is VadEventType.SPEECH_START:
                        self.emit(EventType.VAD_START, frame=vad.frame)
                    elif vad.type is VadEventType.SPEECH_RESUMED:
                        self._cancel_speculation()  # the reply will answer the whole utterance
                    elif vad.type is VadEventType.SPEECH_END:
                        self.emit(EventType.VAD_END, frame=vad.frame)
                        ended = self.request.end_on_silence
                if not ended and early_end_ms and await session.early_transcript(early_end_ms):
                    # "What time is it" needs no more listening: answer after a short pause
                    # instead of the full end-of-speech silence.
                    self.emit(EventType.VAD_END, frame=session.endpointer.frames_seen - 1, early=True)
                    ended = True
                if ended:
                    break
            transcript = await session.finish()
            if self._speculating is not None:
                # A speculation still starting must be registered before the agent looks for it.
                await asyncio.gather(self._speculating, return_exceptions=True)
        finally:
            await session.aclose()
        self.emit(
            EventType.STT_END,
            text=transcript.text,
            language=transcript.language,
            speculative=transcript.speculative,
            first_pass=transcript.first_pass,
            verified=transcript.verified,
            timings_ms=dict(transcript.timings_ms),
        )
        self.heard_language = transcript.language
        if self.speculation is not None and not same_request(self.speculation.text, transcript.text):
            self.speculation.cancel(Outcome.MISS)  # frees the model now for the reply to the final words
        return transcript.text

    def _speculate(self, text: str) -> None:
        """The pause looks like the end of the turn: start the reply on its quick transcript."""
        if self._speculating is not None:
            return  # one per turn: a second guess after speech resumed is as likely wrong
        self._speculating = asyncio.get_running_loop().create_task(
            self._start_speculation(text), name=f"turn {self.turn_id} speculation"
        )

    async def _start_speculation(self, text: str) -> None:
        try:
            self.speculation = await self.pipeline.agent.speculate(
                self.request.conversation_id, text, language=self.request.language,
                satellite=self.request.satellite,
            )
        except Exception:  # a failed guess costs the turn nothing: the reply starts at commit
            _LOGGER.exception("turn %s: speculation failed to start", self.turn_id)

    def _cancel_speculation(self) -> None:
        if self._speculating is not None:
            self._speculating.cancel()
        if self.speculation is not None:
            self.speculation.cancel()

    def _end_speculation(self, cancelled: bool) -> str | None:
        """Stop what is left of the speculation; what became of it (None: there was none)."""
        if self._speculating is None:
            return None
        if self.speculation is None:
            # Still starting, or stopped while it started: cancelled; else none was wanted.
            stopped_early = not self._speculating.done() or self._speculating.cancelled()
            self._speculating.cancel()
            return str(Outcome.CANCELLED) if stopped_early else None
        # Once taken, the reply owns it and has ended with it (or is cut short with the turn now).
        self.speculation.cancel(Outcome.CANCELLED if cancelled else Outcome.UNUSED)
        return str(self.speculation.outcome)

    async def _answer(self, text: str) -> None:
        deltas: asyncio.Queue[str | None] = asyncio.Queue()
        tts = self.pipeline.tts if self.request.speak else None

        async def think() -> None:
            reply = []
            try:
                # The language set for the turn, else the one Whisper heard (auto-detection).
                async for delta in self.pipeline.agent.reply(
                    self.request.conversation_id, text, language=self.request.language or self.heard_language,
                    timers_ring=self.request.timers_ring, satellite=self.request.satellite,
                    trusted=self.request.trusted,
                ):
                    reply.append(delta)
                    self.emit(EventType.LLM_DELTA, text=delta)
                    deltas.put_nowait(delta)
            finally:
                deltas.put_nowait(None)
            self.emit(EventType.LLM_END, text="".join(reply))

        async def speak() -> None:
            assert tts is not None

            async def text_stream() -> AsyncIterator[str]:
                while (delta := await deltas.get()) is not None:
                    yield delta

            # The TTS stage chunks and synthesizes; each piece says when its clause was complete
            # (``clause_t_ns``, before its synthesis). The reply's length is the model's max_tokens.
            language = self.request.language or self.heard_language
            async for audio in tts.synthesize(text_stream(), language, limit_total=False):
                self.emit(
                    EventType.TTS_CHUNK,
                    pcm=audio.pcm,
                    rate=audio.rate,
                    width=2,
                    channels=1,
                    text=audio.text,
                    clause_t_ns=audio.ready_t_ns,
                )
            self.emit(EventType.TTS_END)

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(think(), name=f"turn {self.turn_id} llm")
                if tts is not None:
                    group.create_task(speak(), name=f"turn {self.turn_id} tts")
        except ExceptionGroup as group_error:
            # Report the stage's own typed error; anything else stays a crash with its group.
            aria_errors = group_error.subgroup(AriaError)
            if aria_errors is None:
                raise
            first = aria_errors.exceptions[0]
            while isinstance(first, ExceptionGroup):
                first = first.exceptions[0]
            raise first from group_error

