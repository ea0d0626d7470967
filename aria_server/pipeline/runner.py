"""One client's turns, owned in one place: every face (satellites, ``/ws``, Wyoming ``handle``) runs
its turns through a ``TurnRunner`` and only translates the events to its wire.

    runner = TurnRunner(pipeline, recorder, face="ws", name="ws-turn abc")
    turn = await runner.start(body, info={...}, microphone=Microphone())   # cancels the old turn
    # inside body(turn):  await turn.run_pipeline(request, translate)

What the runner owns, so that no face re-implements it:
 - the turn task: at most one per client; a new turn (or a barge-in) cancels the old one and
   waits until it has cleaned up. Barge-in *is* cancelling that task;
 - the turn's microphone (``pipeline.microphone.Microphone``) and the rule that ends listening:
   after the transcript, an error or the end of the turn, and after the end of speech when the
   request ends on silence; optionally also when nobody speaks for a while;
 - the turn's spans (every pipeline event is observed) and its recording, once: the metrics
   registry and the history (``TurnRecorder``), then the face's own hook (``on_recorded``);
 - the conversation-id policy: the client's explicit id, else the conversation of the client's
   key within the idle window (``conversation.sessions.ConversationSessions``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol, TypeVar

from ..conversation.sessions import new_conversation_id
from ..errors import AriaError, ConfigError
from ..events import EventType, PipelineEvent
from .metrics import TurnSpans
from .microphone import Microphone
from .turn import TurnRequest, VoicePipeline

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

Translate = Callable[[PipelineEvent], Awaitable[None]]
"""A face's translation of one pipeline event to its wire."""

OnRecorded = Callable[[dict[str, Any]], Awaitable[None]]
"""A face's own use of a finished turn's record (a satellite's status, the recent turns)."""


class TurnObserver(Protocol):
    """The metrics registry (``turn_metrics.TurnMetrics``)."""

    def observe(self, record: Mapping[str, Any], face: str) -> None:
        """Count one finished turn."""
        ...


class SpansStore(Protocol):
    """Where a completed turn's spans are kept with the turn the agent stored."""

    async def attach_spans(self, conversation_id: str, spans: Mapping[str, Any]) -> object:
        """Attach ``spans`` to the conversation's latest turn."""
        ...


class ConversationKeys(Protocol):
    """Client key -> its current conversation (``ConversationSessions``)."""

    async def conversation_for(self, session: str) -> str:
        """The key's conversation, a new one after the idle window."""
        ...

    def restart(self, session: str) -> str:
        """Start a new conversation for the key now."""
        ...


class TurnRecorder:
    """Where every finished turn goes, whatever its face: counted, and kept with its conversation."""

    def __init__(self, metrics: TurnObserver, history: SpansStore | None) -> None:
        self.metrics = metrics
        self.history = history

    async def record(self, face: str, record: dict[str, Any]) -> None:
        """Count ``record`` (``TurnSpans.as_dict()``); attach it to the stored turn when it completed.

        Only completed turns with a reply were stored by the agent, so only they get spans.
        """
        self.metrics.observe(record, face)
        conversation_id = record.get("conversation_id")
        if self.history is not None and conversation_id and record.get("outcome") == "done" and "reply" in record:
            await self.history.attach_spans(conversation_id, {"pipeline": record})


class RunningTurn:
    """One turn in flight: its task, spans and microphone (thrown away with the turn)."""

    def __init__(self, runner: TurnRunner, spans: TurnSpans, microphone: Microphone | None, record: bool) -> None:
        self._runner = runner
        self.spans = spans
        self.microphone = microphone
        self.task: asyncio.Task[Any]
        self._record = record
        self._recorded = False

    @property
    def has_pipeline(self) -> bool:
        """False when the server runs without a conversation agent (turns cannot be answered)."""
        return self._runner.pipeline is not None

    def listening_done(self) -> None:
        """The turn reads no more microphone audio: drop the rest, release a waiting sender."""
        if self.microphone is not None:
            self.microphone.detach()

    async def run_pipeline(self, request: TurnRequest, translate: Translate, *, no_speech_s: float | None = None) -> None:
        """Run ``request`` through the pipeline, observing and ending listening, then ``translate``.

        ``no_speech_s``: end the microphone input when nobody has spoken for that long (a wake
        word with no command after it). Closing the pipeline's events on the way out (cancelled
        or not) stops its LLM and TTS work at once rather than when the generator is collected.
        """
        pipeline = self._runner.pipeline
        if pipeline is None:
            raise ConfigError("this server has no conversation agent", code="no-agent")
        heard = asyncio.Event()
        watchdog = None
        if no_speech_s is not None and self.microphone is not None:
            # A plain task rather than a TaskGroup: the face's own exceptions stay unwrapped.
            watchdog = asyncio.get_running_loop().create_task(
                _end_without_speech(self.microphone, heard, no_speech_s), name="no-speech watchdog"
            )
        try:
            async with contextlib.aclosing(pipeline.run_turn(request)) as events:
                async for event in events:
                    self.spans.observe(event)
                    if event.type in (EventType.VAD_START, EventType.STT_END):
                        heard.set()
                    if listening_over(event, request):
                        self.listening_done()
                    await translate(event)
        finally:
            if watchdog is not None:
                watchdog.cancel()
                await asyncio.gather(watchdog, return_exceptions=True)

    async def record(self) -> None:
        """Record the turn now (once; the runner records it at the end otherwise)."""
        if not self._record or self._recorded:
            return
        self._recorded = True
        await self._runner.record(self.spans.as_dict())


def listening_over(event: PipelineEvent, request: TurnRequest) -> bool:
    """After this event the turn reads no more microphone audio."""
    if event.type is EventType.VAD_END:
        return request.end_on_silence
    return event.type in (EventType.STT_END, EventType.ERROR, EventType.TURN_END)


async def _end_without_speech(microphone: Microphone, heard: asyncio.Event, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await heard.wait()
    except TimeoutError:
        microphone.end()


class TurnRunner:
    """The turns of one client (a satellite, a ``/ws`` socket, a Wyoming connection)."""

    def __init__(
        self,
        pipeline: VoicePipeline | None,
        recorder: TurnRecorder,
        *,
        face: str,
        name: str,
        conversations: ConversationKeys | None = None,
        on_recorded: OnRecorded | None = None,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.recorder = recorder
        self.face = face
        """``satellite``, ``ws`` or ``wyoming``: the metrics label and the spans' ``face``."""
        self.name = name
        self.conversations = conversations
        self._on_recorded = on_recorded
        self._on_idle = on_idle
        self.current: RunningTurn | None = None
        self._starting = asyncio.Lock()

    # -- conversation ids ------------------------------------------------------------------

    async def conversation_id(self, client: str, explicit: str | None = None) -> str:
        """The one policy: the client's explicit id, else ``client``'s within the idle window."""
        if explicit:
            return explicit
        if self.conversations is None:
            return new_conversation_id()
        return await self.conversations.conversation_for(client)

    def new_conversation(self, client: str) -> str:
        """Forget ``client``'s conversation: its next turn starts a new history."""
        if self.conversations is None:
            return new_conversation_id()
        return self.conversations.restart(client)

    # -- the turn task ---------------------------------------------------------------------

    def listening(self) -> Microphone | None:
        """The microphone of the turn in flight while it still takes audio."""
        turn = self.current
        if turn is None or turn.microphone is None or turn.microphone.closed:
            return None
        return turn.microphone

    async def start(
        self,
        body: Callable[[RunningTurn], Coroutine[Any, Any, T]],
        *,
        info: Mapping[str, Any] | None = None,
        microphone: Microphone | None = None,
        record: bool = True,
        reason: str = "new turn",
        label: str = "turn",
    ) -> RunningTurn:
        """End the turn in flight (``reason``), then run ``body`` as this client's turn.

        ``record`` False: not a turn to count (an announcement that only occupies the slot).
        """
        async with self._starting:
            await self.cancel(reason)
            spans = TurnSpans(info={"face": self.face, **(info or {})})
            turn = RunningTurn(self, spans, microphone, record)
            turn.task = asyncio.get_running_loop().create_task(self._drive(turn, body), name=f"{self.name} {label}")
            turn.task.add_done_callback(self._finished)
            self.current = turn
            return turn

    async def cancel(self, reason: str) -> RunningTurn | None:
        """Cancel the turn in flight and wait until it is gone; the turn, when one was running."""
        turn, self.current = self.current, None
        if turn is None:
            return None
        turn.listening_done()
        if turn.task.done():
            return None
        _LOGGER.info("%s: ending %s (%s)", self.name, turn.task.get_name(), reason)
        turn.spans.info["ended_by"] = reason
        turn.task.cancel()
        # The body's own failures are logged by _finished; only the wait is wanted here.
        await asyncio.gather(turn.task, return_exceptions=True)
        return turn

    async def close(self) -> None:
        """The client is gone: end what is still running."""
        await self.cancel("client gone")

    async def _drive(self, turn: RunningTurn, body: Callable[[RunningTurn], Coroutine[Any, Any, T]]) -> T:
        try:
            return await body(turn)
        except asyncio.CancelledError:
            turn.spans.info.setdefault("outcome", "cancelled")
            raise
        finally:
            turn.listening_done()
            # Shielded: a second cancellation must not lose the record of a turn that happened.
            await asyncio.shield(turn.record())

    def _finished(self, task: asyncio.Task[Any]) -> None:
        if self.current is not None and self.current.task is task:
            self.current = None
            if self._on_idle is not None:
                self._on_idle()
        if task.cancelled() or (err := task.exception()) is None:
            return
        if isinstance(err, AriaError):
            _LOGGER.warning("%s failed: %s", task.get_name(), err)
        elif isinstance(err, ConnectionError):
            # The client left (Home Assistant closes after handled-stop, a browser tab closes):
            # nothing failed on this side, and what was answered was answered.
            _LOGGER.info("%s: the client left before the turn's last write (%s)", task.get_name(), err)
        else:
            _LOGGER.error("%s failed", task.get_name(), exc_info=err)

    async def record(self, record: dict[str, Any]) -> None:
        """Hand a finished turn to the face's hook and the recorder; never fails the turn."""
        try:
            if self._on_recorded is not None:
                await self._on_recorded(record)
            await self.recorder.record(self.face, record)
        except Exception:  # storing spans must never break a client's turns
            _LOGGER.exception("recording turn %s failed", record.get("turn_id"))
