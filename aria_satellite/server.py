"""The satellite's Wyoming server: servers (Aria, Home Assistant) connect here and drive it.

Any connection may ``describe`` and ``ping``. The connection that sends ``run-satellite`` becomes
the *current* server and takes over cleanly: the previous connection is closed (it may be a
half-dead socket of a server that restarted) and the satellite resets its turn. Other events are
taken from the current server only; events to the server go to the current one only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Protocol

from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Info
from wyoming.ping import Ping, Pong
from wyoming.satellite import RunSatellite

from aria_wire.accept import AcceptLoop
from aria_wire.errors import FrameTooLarge, IdleTimeout, ProtocolError
from aria_wire.framing import FrameLimits, read_frame

from .settings import WyomingSettings

_LOGGER = logging.getLogger(__name__)

class ServerEvents(Protocol):
    """What the satellite hears from its current server."""

    async def on_server_event(self, event: Event) -> None:
        """An event from the current server (run-satellite included)."""
        ...

    async def on_server_lost(self) -> None:
        """The current server disconnected or was replaced (per-turn state must be reset)."""
        ...


class _Connection:
    """One server connection: a reader task and a locked writer."""

    def __init__(self, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.number = number
        self.reader = reader
        self.writer = writer
        self.peer = writer.get_extra_info("peername")
        self.lock = asyncio.Lock()

    async def write(self, event: Event) -> None:
        async with self.lock:
            await async_write_event(event, self.writer)

    def close(self) -> None:
        self.writer.close()


class SatelliteServer:
    """Listens on host:port; ``send`` reaches the current server (dropped when there is none)."""

    def __init__(self, host: str, port: int, info: Info, limits: WyomingSettings | None = None) -> None:
        # A satellite serves one server at a time; the connection caps (settings.py) cover describes
        # and a restarted server's half-dead socket, and keep a LAN peer from holding more.
        self.limits = limits or WyomingSettings()
        self._frames = FrameLimits(
            self.limits.max_line_bytes, self.limits.max_data_bytes, self.limits.max_payload_bytes
        )
        self.host = host
        self.requested_port = port
        self.info = info
        self.handler: ServerEvents | None = None
        self.current: _Connection | None = None
        self._numbers = itertools.count(1)
        self._loop = AcceptLoop(
            host, port, self._accept, line_limit=self.limits.max_line_bytes, name="satellite",
            max_connections=self.limits.max_connections, max_per_peer=self.limits.max_connections_per_peer,
            refuse=_refuse,
        )

    @property
    def port(self) -> int:
        """The bound port."""
        return self._loop.port

    @property
    def connected(self) -> bool:
        """True while a server runs the satellite."""
        return self.current is not None

    async def start(self, handler: ServerEvents) -> None:
        """Bind and accept."""
        self.handler = handler
        await self._loop.start()
        _LOGGER.info("satellite listening on tcp://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Close every connection and the listening socket."""
        await self._loop.stop()

    async def send(self, event: Event) -> bool:
        """Write to the current server; False when none (or it just failed, which drops it)."""
        connection = self.current
        if connection is None:
            return False
        try:
            await connection.write(event)
        except (ConnectionError, RuntimeError) as err:
            _LOGGER.warning("server %s went away while writing: %r", connection.peer, err)
            await self._lose(connection)
            return False
        return True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve(_Connection(next(self._numbers), reader, writer))

    async def _serve(self, connection: _Connection) -> None:
        _LOGGER.info("server connected from %s", connection.peer)
        try:
            while True:
                try:
                    # The current server may be silent for hours between turns: only the others time out.
                    event = await read_frame(connection.reader, self._frames, idle_timeout_s=self.limits.idle_timeout_s)
                except IdleTimeout as err:
                    if connection is self.current:
                        continue
                    await connection.write(Error(text=err.message, code=err.code).event())
                    return
                except FrameTooLarge as err:
                    await connection.write(Error(text=err.message, code=err.code).event())
                    return
                except ProtocolError as err:
                    _LOGGER.warning("bad frame from %s: %s", connection.peer, err)
                    await connection.write(Error(text=err.message, code=err.code).event())
                    continue
                if event is None:
                    return
                await self._dispatch(connection, event)
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            _LOGGER.info("server %s ended: %r", connection.peer, err)
        finally:
            await self._lose(connection)
            connection.close()

    async def _dispatch(self, connection: _Connection, event: Event) -> None:
        assert self.handler is not None
        if event.type == "describe":
            await connection.write(self.info.event())
        elif Ping.is_type(event.type):
            await connection.write(Pong(text=Ping.from_event(event).text).event())
        elif RunSatellite.is_type(event.type):
            previous = self.current
            if previous is not connection:
                self.current = connection
                if previous is not None:
                    _LOGGER.info("server %s takes over from %s", connection.peer, previous.peer)
                    previous.close()
                    await self.handler.on_server_lost()
            await self.handler.on_server_event(event)
        elif connection is self.current:
            await self.handler.on_server_event(event)
        else:
            _LOGGER.debug("ignoring %s from %s: not the current server", event.type, connection.peer)

    async def _lose(self, connection: _Connection) -> None:
        if self.current is connection:
            self.current = None
            _LOGGER.info("server %s is gone", connection.peer)
            assert self.handler is not None
            with contextlib.suppress(ConnectionError):
                await self.handler.on_server_lost()


async def _refuse(writer: asyncio.StreamWriter, reason: str) -> None:
    """A connection over the caps learns why before it is closed."""
    await async_write_event(Error(text=reason, code="too-many-connections").event(), writer)
