"""Hooks for the room: LEDs, buttons and ducking follow what the satellite is doing.

Each moment of a turn is a *room event*::

    wake-detected  listening  thinking  speaking  done  error  timer-ringing  status

and reaches two optional outlets:

    --hook-command PROGRAM   run as ``PROGRAM EVENT`` with the event as JSON on stdin
                             (one at a time, in order; e.g. ``pactl`` to duck music)
    --events-socket PATH     a Unix socket; every client gets one JSON line per event
                             (``{"event": "speaking", "t_ns": ..., ...}``)

Neither may hold up the satellite: events are queued (bounded) and a slow client or a slow
command loses events rather than delaying audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)

QUEUE_LIMIT = 64
"""Events kept for one slow outlet before the oldest are dropped."""
COMMAND_TIMEOUT_S = 10.0
"""Longest one hook command may run before it is killed."""


class RoomEvent(StrEnum):
    """What the room can react to."""

    WAKE_DETECTED = "wake-detected"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    DONE = "done"
    ERROR = "error"
    TIMER_RINGING = "timer-ringing"
    STATUS = "status"


_ENTERED = {"streaming": RoomEvent.LISTENING, "speaking": RoomEvent.SPEAKING}
"""Room events of entering a state (THINKING's comes with the transcript, WAITING's depends on why)."""


def room_event(old: str, new: str, reason: str) -> RoomEvent | None:
    """The room event of a transition of the satellite's state (``State`` values), if any."""
    if new == "waiting" and old != "idle":
        return RoomEvent.ERROR if reason.startswith(("error", "stuck")) else RoomEvent.DONE
    return _ENTERED.get(new)


def _offer(queue: asyncio.Queue[bytes], line: bytes) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(line)


class Hooks:
    """Fans room events out to the hook command and the socket's clients."""

    def __init__(self, command: tuple[str, ...] | None = None, socket_path: Path | None = None) -> None:
        self.command = command
        self.socket_path = socket_path
        self._command_queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_LIMIT)
        self._clients: set[asyncio.Queue[bytes]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    @property
    def clients(self) -> int:
        """Clients connected to the events socket."""
        return len(self._clients)

    def emit(self, event: RoomEvent, **data: Any) -> None:
        """Queue ``event`` for every outlet (never blocks)."""
        line = (json.dumps({"event": str(event), "t_ns": time.monotonic_ns(), **data}) + "\n").encode()
        if self.command is not None:
            _offer(self._command_queue, line)
        for client in self._clients:
            _offer(client, line)

    async def run(self) -> None:
        """Serve the socket and run the command until cancelled."""
        try:
            if self.socket_path is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.socket_path.unlink()
                self._server = await asyncio.start_unix_server(self._client, path=str(self.socket_path))
                _LOGGER.info("room events on unix:%s", self.socket_path)
            if self.command is not None:
                await self._run_commands()
            else:
                await asyncio.Event().wait()
        finally:
            if self._server is not None:
                self._server.close()
                for writer in self._writers:  # each client's handler then ends on its closed socket
                    writer.close()
                with contextlib.suppress(FileNotFoundError):
                    self.socket_path.unlink()  # type: ignore[union-attr]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_LIMIT)
        self._clients.add(queue)
        self._writers.add(writer)
        try:
            while True:
                writer.write(await queue.get())
                await writer.drain()
        except (ConnectionError, BrokenPipeError):
            pass  # the client left; its queue goes with it
        finally:
            self._clients.discard(queue)
            self._writers.discard(writer)
            writer.close()

    async def _run_commands(self) -> None:
        assert self.command is not None
        while True:
            line = await self._command_queue.get()
            event = json.loads(line)["event"]
            try:
                proc = await asyncio.create_subprocess_exec(*self.command, event, stdin=asyncio.subprocess.PIPE)
            except OSError as err:
                _LOGGER.warning("hook command %s: %s", self.command[0], err)
                continue
            try:
                async with asyncio.timeout(COMMAND_TIMEOUT_S):
                    await proc.communicate(line)
            except TimeoutError:
                _LOGGER.warning("hook command %s %s ran over %.0f s: killed", self.command[0], event, COMMAND_TIMEOUT_S)
                proc.kill()
                await proc.wait()
            if proc.returncode:
                _LOGGER.warning("hook command %s %s exited %d", self.command[0], event, proc.returncode)
