"""One ``/ws`` connection's conversation: at most one turn at a time, owned and cancellable.

A new turn (text, or ``start``) while one is in flight is a barge-in: the old turn is cancelled
first. Microphone frames go to the listening turn through a bounded queue, so a client that
sends faster than the pipeline reads is slowed down by TCP rather than buffered without end;
frames that arrive while nothing listens (the tail after the VAD ended the turn) are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..conversation.sessions import new_conversation_id
from ..errors import AriaError, AudioFormatError
from ..events import EventType
from ..pipeline.metrics import TurnSpans
from ..pipeline.turn import TurnRequest, VoicePipeline
from ..store.history import HistoryStore
from .prometheus import TurnMetrics
from .ws_messages import INPUT_FORMAT, SAMPLES_PER_FRAME, ClientMessage, Command, decode_audio, error_status, message
from .ws_turn import TurnReporter

_LOGGER = logging.getLogger(__name__)

AUDIO_QUEUE_FRAMES = 64
"""Microphone frames buffered for the pipeline (about 2 s of 32 ms frames)."""

_LISTENING_OVER = frozenset({EventType.VAD_END, EventType.STT_END, EventType.ERROR, EventType.TURN_END})
"""After these, the turn reads no more microphone audio."""


class _AudioInput:
    """The microphone stream of one listening turn."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(AUDIO_QUEUE_FRAMES)
        self.closed = False

    async def stream(self) -> AsyncIterator[bytes]:
        while (chunk := await self.queue.get()) is not None:
            yield chunk

    async def put(self, pcm: bytes) -> None:
        """Queue a frame (waiting while the queue is full); ignored once closed."""
        if not self.closed:
            await self.queue.put(pcm)

    async def end(self) -> None:
        """The user stopped talking: the pipeline reads what is queued, then the end."""
        if not self.closed:
            self.closed = True
            await self.queue.put(None)

    def detach(self) -> None:
        """The pipeline stopped listening: drop what is queued (unblocking a waiting ``put``)."""
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass
class _Turn:
    """The turn in flight: its task, its translation to messages, its spans, its microphone."""

    reporter: TurnReporter
    spans: TurnSpans
    audio: _AudioInput | None
    task: asyncio.Task[None] | None = None


class WsSession:
    """Conversation state of one socket; ``close`` cancels whatever is still running."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        pipeline: VoicePipeline,
        *,
        conversation_id: str | None,
        model: str | None,
        metrics: TurnMetrics,
        history: HistoryStore,
    ) -> None:
        self.ws = ws
        self.pipeline = pipeline
        self.conversation_id = conversation_id or new_conversation_id()
        self.model = model
        self._metrics = metrics
        self._history = history
        self._send_lock = asyncio.Lock()
        self._current: _Turn | None = None

    # -- sending -----------------------------------------------------------------------------

    async def send_json(self, payload: dict[str, Any]) -> None:
        """Send one JSON message; a socket the client already closed is not an error."""
        async with self._send_lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionResetError):
                    await self.ws.send_json(payload)

    async def send_bytes(self, data: bytes) -> None:
        """Send one binary frame (reply audio)."""
        async with self._send_lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionResetError):
                    await self.ws.send_bytes(data)

    async def send_error(self, err: AriaError) -> None:
        """Report an error; the connection stays open."""
        await self.send_json(error_status(err.code, err.message))

    async def hello(self) -> None:
        """The first message: the conversation and the audio format expected."""
        await self.send_json(
            message(
                "status",
                "idle",
                conversationId=self.conversation_id,
                model=self.model,
                inputFormat={
                    "rate": INPUT_FORMAT.rate,
                    "width": INPUT_FORMAT.width,
                    "channels": INPUT_FORMAT.channels,
                    "samplesPerFrame": SAMPLES_PER_FRAME,
                    "encoding": "pcm_s16le",
                },
            )
        )

    # -- receiving ---------------------------------------------------------------------------

    async def on_message(self, msg: ClientMessage) -> None:
        """Act on one validated client message."""
        if msg.type == "text":
            if not msg.data.strip():
                raise AriaError("the text is empty", code="empty-text")
            await self._start_turn(TurnRequest(self.conversation_id, text=msg.data, speak=msg.speak), None)
        elif msg.type == "audio":
            await self.on_audio(decode_audio(msg.data))
        else:
            await self._on_command(Command(msg.data))

    async def on_audio(self, pcm: bytes) -> None:
        """A microphone frame; dropped unless a turn is listening."""
        if len(pcm) % INPUT_FORMAT.bytes_per_frame:
            raise AudioFormatError("audio frames must hold whole 16-bit samples", code="bad-audio")
        if self._current is not None and self._current.audio is not None:
            await self._current.audio.put(pcm)

    async def _on_command(self, command: Command) -> None:
        if command is Command.START:
            audio = _AudioInput()
            request = TurnRequest(
                self.conversation_id, audio=audio.stream(), audio_format=INPUT_FORMAT, end_on_silence=True
            )
            await self._start_turn(request, audio)
        elif command is Command.STOP:
            turn = self._current
            if turn is not None and turn.audio is not None and not turn.audio.closed:
                # Push-to-talk: the release is the end of speech, for the timeline and the spans.
                now = time.monotonic_ns()
                turn.reporter.mark("speechEnd", now)
                turn.spans.mark("vad_end", now)
                await turn.audio.end()
        elif command is Command.CANCEL:
            await self.cancel_turn(report=True)
        elif command is Command.NEW_CONVERSATION:
            await self.cancel_turn(report=True)
            self.conversation_id = new_conversation_id()
            await self.send_json(message("status", "idle", conversationId=self.conversation_id))

    # -- turns -------------------------------------------------------------------------------

    async def _start_turn(self, request: TurnRequest, audio: _AudioInput | None) -> None:
        await self.cancel_turn(report=True)
        turn = _Turn(
            reporter=TurnReporter(self.send_json, self.send_bytes, spoken=audio is not None, model=self.model),
            spans=TurnSpans(info={"conversation_id": request.conversation_id, "face": "ws"}),
            audio=audio,
        )
        turn.task = asyncio.create_task(self._run_turn(turn, request), name=f"ws-turn {self.conversation_id}")
        self._current = turn

    async def _run_turn(self, turn: _Turn, request: TurnRequest) -> None:
        events = self.pipeline.run_turn(request)
        recorded = False
        try:
            async for event in events:
                turn.spans.observe(event)
                if event.type in _LISTENING_OVER and turn.audio is not None:
                    turn.audio.detach()
                if event.type is EventType.TURN_END:
                    # Before the final status: a client that then reads the history sees the spans.
                    recorded = True
                    await self._record(turn.spans.as_dict())
                await turn.reporter.on_event(event)
                if event.type is EventType.TTS_CHUNK:
                    turn.spans.mark("first_audio_out")  # its frames are on the wire now
        except asyncio.CancelledError:
            turn.spans.info["outcome"] = "cancelled"
            raise
        except AriaError as err:
            await self.send_error(err)
        except Exception:
            # The boundary of the turn's task: log with the stack once, tell the client in words.
            _LOGGER.exception("/ws turn failed")
            await self.send_error(AriaError("internal error; see the server log", code="internal-error"))
        finally:
            if not recorded:
                self._metrics.observe(turn.spans.as_dict(), "ws")
            if turn.audio is not None:
                turn.audio.detach()
            if isinstance(events, AsyncGenerator):
                await events.aclose()  # stop the pipeline's work now, not when collected

    async def _record(self, record: dict[str, Any]) -> None:
        """Count the turn, and attach its spans to the turn the agent stored, as the satellites do."""
        self._metrics.observe(record, "ws")
        if record.get("outcome") == "done" and "reply" in record:
            await self._history.attach_spans(record["conversation_id"], {"pipeline": record})

    async def cancel_turn(self, *, report: bool) -> None:
        """Cancel the turn in flight (barge-in) and wait until it is gone."""
        turn, self._current = self._current, None
        if turn is None or turn.task is None:
            return
        if turn.audio is not None:
            turn.audio.detach()
        if turn.task.done():
            return
        turn.task.cancel()
        # _run_turn handles its own failures, so only its cancellation can come back here.
        await asyncio.gather(turn.task, return_exceptions=True)
        if report:
            await self.send_json(message("status", "idle", turnId=turn.reporter.turn_id, cancelled=True))

    async def close(self) -> None:
        """The socket is gone: stop everything of this connection."""
        await self.cancel_turn(report=False)
