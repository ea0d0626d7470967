"""One ``/ws`` connection's conversation: its turns run by a ``TurnRunner``, translated to messages.

A new turn (text, or ``start``) while one is in flight is a barge-in: the runner cancels the old
turn first. Microphone frames go to the listening turn's bounded ``Microphone``, so a client
that sends faster than the pipeline reads is slowed down by TCP rather than buffered without
end; frames that arrive while nothing listens (the tail after the VAD ended the turn) are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Any

from aiohttp import web

from ..errors import AriaError, AudioFormatError, InternalError, RequestError
from ..events import EventType, PipelineEvent
from ..pipeline.microphone import Microphone
from ..pipeline.runner import RunningTurn, TurnRunner
from ..pipeline.turn import TurnRequest
from .ws_messages import INPUT_FORMAT, SAMPLES_PER_FRAME, ClientMessage, Command, decode_audio, error_status, message
from .ws_turn import TurnReporter

_LOGGER = logging.getLogger(__name__)

class WsSession:
    """Conversation state of one socket; ``close`` cancels whatever is still running."""

    def __init__(self, ws: web.WebSocketResponse, runner: TurnRunner, *, client: str, model: str | None) -> None:
        self.ws = ws
        self.runner = runner
        self.client = client
        """This socket's key for the conversation-id policy."""
        self.conversation_id = ""
        self.model = model
        self._send_lock = asyncio.Lock()
        self._reporter: TurnReporter | None = None
        """The translation state of the runner's current (or last) turn."""

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

    async def hello(self, conversation_id: str | None) -> None:
        """The first message: the conversation (``conversation_id``, else this socket's) and the audio format."""
        self.conversation_id = await self.runner.conversation_id(self.client, conversation_id)
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
                raise RequestError("the text is empty", code="empty-text")
            await self._start_turn(TurnRequest(self.conversation_id, text=msg.data, speak=msg.speak, trusted=True), None)
        elif msg.type == "audio":
            await self.on_audio(decode_audio(msg.data))
        else:
            await self._on_command(Command(msg.data))

    async def on_audio(self, pcm: bytes) -> None:
        """A microphone frame; dropped unless a turn is listening."""
        if len(pcm) % INPUT_FORMAT.bytes_per_frame:
            raise AudioFormatError("audio frames must hold whole 16-bit samples", code="bad-audio")
        if (microphone := self.runner.listening()) is not None:
            await microphone.put(pcm)

    async def _on_command(self, command: Command) -> None:
        if command is Command.START:
            microphone = Microphone(fmt=INPUT_FORMAT)  # the default bound: about 2 s of 32 ms frames
            request = TurnRequest(
                self.conversation_id, audio=microphone, audio_format=INPUT_FORMAT, end_on_silence=True, trusted=True
            )
            await self._start_turn(request, microphone)
        elif command is Command.STOP:
            turn, listening = self.runner.current, self.runner.listening()
            if turn is not None and listening is not None and self._reporter is not None:
                # Push-to-talk: the release is the end of speech, for the timeline and the spans.
                now = time.monotonic_ns()
                self._reporter.mark("speechEnd", now)
                turn.spans.mark("vad_end", now)
                listening.end()
        elif command is Command.CANCEL:
            await self.cancel_turn(report=True)
        elif command is Command.NEW_CONVERSATION:
            await self.cancel_turn(report=True)
            self.conversation_id = self.runner.new_conversation(self.client)
            await self.send_json(message("status", "idle", conversationId=self.conversation_id))

    # -- turns -------------------------------------------------------------------------------

    async def _start_turn(self, request: TurnRequest, microphone: Microphone | None) -> None:
        await self.cancel_turn(report=True)
        reporter = TurnReporter(self.send_json, self.send_bytes, spoken=microphone is not None, model=self.model)
        self._reporter = reporter
        await self.runner.start(
            functools.partial(self._run_turn, request, reporter),
            info={"conversation_id": request.conversation_id},
            microphone=microphone,
        )

    async def _run_turn(self, request: TurnRequest, reporter: TurnReporter, turn: RunningTurn) -> None:
        async def translate(event: PipelineEvent) -> None:
            if event.type is EventType.TURN_END:
                # Before the final status: a client that then reads the history sees the spans.
                await turn.record()
            await reporter.on_event(event)
            if event.type is EventType.TTS_CHUNK:
                turn.spans.mark("first_audio_out")  # its frames are on the wire now

        try:
            await turn.run_pipeline(request, translate)
        except AriaError as err:
            await self.send_error(err)
        except Exception:
            # The boundary of the turn's task: log with the stack once, tell the client in words.
            _LOGGER.exception("/ws turn failed")
            await self.send_error(InternalError("internal error; see the server log"))

    async def cancel_turn(self, *, report: bool) -> None:
        """Cancel the turn in flight (barge-in) and wait until it is gone."""
        cancelled = await self.runner.cancel("cancelled")
        if cancelled is not None and report and self._reporter is not None:
            await self.send_json(message("status", "idle", turnId=self._reporter.turn_id, cancelled=True))

    async def close(self) -> None:
        """The socket is gone: stop everything of this connection."""
        await self.runner.close()
