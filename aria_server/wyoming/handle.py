"""Wyoming ``handle``: a transcript becomes a text turn, answered by handled-start / chunks / stop.

A text turn (no speech) runs through the same turn runner as every face; whether the client
may ask for security-sensitive actions comes from the connection's address (``trust.py``).
"""

from __future__ import annotations

import functools
from typing import Any

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled

from ..error_codes import error_for
from ..errors import AriaError, ConfigError, ProtocolError
from ..events import EventType, PipelineEvent
from ..pipeline.runner import RunningTurn, TurnRunner
from ..pipeline.turn import TurnRequest
from .connection import Connection, EventCallback, text_field


class Handling:
    """The handle requests of one connection: one transcript answered at a time."""

    def __init__(self, connection: Connection, *, trusted: bool) -> None:
        self.connection = connection
        self.trusted = trusted
        """Whether this client may ask for security-sensitive actions (``trust.py``)."""
        self._turns: TurnRunner | None = None
        """This connection's ``handle`` turns (made on the first transcript)."""

    def routes(self) -> dict[str, EventCallback]:
        """transcript."""
        return {"transcript": self.on_transcript}

    def _turn_runner(self) -> TurnRunner:
        if self._turns is None:
            services = self.connection.services
            self._turns = TurnRunner(
                services.pipeline,
                services.recorder,
                face="wyoming",
                name=f"wyoming-handle {self.connection.peer}",
                conversations=services.sessions,
            )
        return self._turns

    async def on_transcript(self, event: Event) -> None:
        """Answer a transcript: handled-start, a handled-chunk per delta, handled-stop, handled.

        The conversation is the one named in the transcript's context (``conversation_id``),
        else this connection's; its id goes back in the ``handled`` context for the follow-up.
        """
        services = self.connection.services
        agent = services.agent
        if agent is None or services.pipeline is None:
            raise ConfigError("this server has no conversation agent", code="no-agent")
        transcript = _checked_transcript(event)
        context = dict(transcript.context or {})
        if not agent.supports_language(transcript.language):
            await self.connection.write_event(
                NotHandled(text=f"language {transcript.language} is not supported", context=context).event()
            )
            return
        runner = self._turn_runner()
        explicit = context.get("conversation_id")
        client = self._session_key(context)
        conversation_id = await runner.conversation_id(client, explicit if isinstance(explicit, str) else None)
        context["conversation_id"] = conversation_id
        await self.connection.write_event(HandledStart(context=context).event())
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
        write = self.connection.write_event
        parts: list[str] = []
        failed: list[AriaError] = []

        async def translate(event: PipelineEvent) -> None:
            if event.type is EventType.LLM_DELTA:
                parts.append(str(event.data.get("text", "")))
                await write(HandledChunk(text=parts[-1]).event())
            elif event.type is EventType.ERROR:
                failed.append(error_for(str(event.data.get("code")), str(event.data.get("message", ""))))

        await turn.run_pipeline(request, translate)
        if failed:
            # Answered with the error event by the handler's guard (no handled-stop), as before the runner.
            raise failed[0]
        await write(HandledStop().event())
        await write(Handled(text="".join(parts), context=context).event())

    def _session_key(self, context: dict[str, object]) -> str:
        """The conversation session of a client without a conversation id: its host (Home
        Assistant opens a new port per request and, before wyoming 1.7, drops the context), plus
        the satellite or device the context names, so two satellites behind one host stay apart."""
        peer = self.connection.peer
        host = peer[0] if isinstance(peer, tuple) else str(peer)
        device = next((v for k in ("satellite_id", "device_id") if isinstance(v := context.get(k), str) and v), None)
        return f"wyoming {host}" if device is None else f"wyoming {host} {device}"

    async def fail(self, event: Event, err: AriaError) -> None:
        """Send ``error``, then ``not-handled`` with its text (for clients that ignore errors)."""
        await self.connection.send_error(err)
        await self.connection.write_event(NotHandled(text=err.message).event())

    async def close(self) -> None:
        """Cancel this connection's turn in flight, if any."""
        if self._turns is not None:
            await self._turns.close()


def _checked_transcript(event: Event) -> Transcript:
    """The transcript, or ProtocolError for a field JSON let the client mistype."""
    transcript = Transcript.from_event(event)
    text_field(transcript.text, "transcript")
    if transcript.language is not None and not isinstance(transcript.language, str):
        raise ProtocolError("transcript language must be a string", code="bad-event")
    if transcript.context is not None and not isinstance(transcript.context, dict):
        raise ProtocolError("transcript context must be an object", code="bad-event")
    return transcript
