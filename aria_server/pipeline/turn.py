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
from typing import Any

from aria_wire.audio import PcmFormat

from ..conversation.base import ConversationAgent
from ..conversation.speculation import Speculation
from ..errors import AriaError, RequestError
from ..events import EventType, PipelineEvent
from ..stt.service import SpeechService
from ..tts.service import SpeechSynthesis
from ..turn_taking.turn import TurnContext, TurnDecisions, TurnTaking
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

    def __init__(
        self, stt: SpeechService | None, agent: ConversationAgent, tts: SpeechSynthesis | None,
        turn_taking: TurnTaking | None = None,
    ) -> None:
        self.stt = stt
        self.agent = agent
        self.tts = tts
        self.turn_taking = turn_taking
        """When a spoken turn is over and what starts early (None: plain endpointing, no early reply)."""

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
        self.decisions: TurnDecisions | None = None
        """The turn-taking decisions of a turn that silence ends (they own its speculative reply)."""
        self.speculation: Speculation | None = None
        """The reply started at a pause, once the final transcript confirmed the request."""

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
            if self.decisions is not None and (speculated := self.decisions.end(cancelled)) is not None:
                outcome["speculation"] = speculated
            self.emit(EventType.TURN_END, **outcome)
            self.queue.put_nowait(None)
            if self.decisions is not None:
                await self.decisions.wait_stopped()  # a cancelled turn leaves the model free

    async def _listen(self) -> str:
        stt = self.pipeline.stt
        request = self.request
        if stt is None or request.audio is None or request.audio_format is None:
            raise RequestError("this turn has neither text nor audio with a format", code="bad-turn")
        taking = self.pipeline.turn_taking
        if taking is not None and request.end_on_silence:
            self.decisions = taking.begin(
                TurnContext(request.conversation_id, request.language, request.satellite, speculate=request.answer)
            )
        session = stt.start(request.audio_format, request.language, turn=self.decisions, endpointing=request.end_on_silence)
        try:
            async for pcm in request.audio:
                ended = False
                for vad in await session.feed(pcm):
                    if vad.type is VadEventType.SPEECH_START:
                        self.emit(EventType.VAD_START, frame=vad.frame)
                    elif vad.type is VadEventType.SPEECH_END:
                        # Early: a whole request ("what time is it") heard at a short pause.
                        self.emit(EventType.VAD_END, frame=vad.frame, **({"early": True} if session.ended_early else {}))
                        ended = request.end_on_silence
                if ended:
                    break
            transcript = await session.finish()
        finally:
            await session.aclose()
        self.emit(
            EventType.STT_END,
            text=transcript.text,
            language=transcript.language,
            speculative=transcript.speculative,
            first_pass=transcript.first_pass,
            at_pause=transcript.at_pause,
            timings_ms=dict(transcript.timings_ms),
        )
        self.heard_language = transcript.language
        if self.decisions is not None:
            self.speculation = await self.decisions.settle(transcript.text)
        return transcript.text

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
                    trusted=self.request.trusted, speculation=self.speculation,
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

