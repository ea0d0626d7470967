"""One TCP connection from the server to a satellite: connect, ``describe``, then events both ways.

Reads go through the guarded frame reader (size limits); writes are serialised by a lock so
audio from a turn and pings never interleave within a frame.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info

from aria_wire.framing import FrameLimits, read_frame

from ..errors import ProtocolError, SatelliteGone

CONNECT_TIMEOUT_S = 5.0
"""Seconds allowed for connecting and for the ``info`` answer."""


def parse_address(uri: str) -> tuple[str, int]:
    """``tcp://host:port`` (or ``host:port``) -> (host, port); ProtocolError when malformed."""
    rest = uri[len("tcp://") :] if uri.startswith("tcp://") else uri
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ProtocolError(f"satellite address {uri!r} is not tcp://HOST:PORT", code="bad-satellite-address")
    return host.strip("[]"), int(port)


class SatelliteLink:
    """An open connection; ``events()`` yields what the satellite sends until it disconnects."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limits: FrameLimits, info: Info) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.info = info
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, host: str, port: int, limits: FrameLimits) -> SatelliteLink:
        """Connect and ``describe``; OSError/TimeoutError when the satellite is not there."""
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(host, port, limit=limits.max_line_bytes)
            try:
                sock = writer.get_extra_info("socket")
                if sock is not None:  # notice a vanished satellite even when no turn is running
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                await async_write_event(Describe().event(), writer)
                while True:
                    event = await read_frame(reader, limits)
                    if event is None:
                        raise SatelliteGone(f"{host}:{port} closed the connection before answering describe")
                    if Info.is_type(event.type):
                        return cls(reader, writer, limits, Info.from_event(event))
            except BaseException:
                writer.close()
                raise

    async def send(self, event: Event) -> None:
        """Write one event (SatelliteGone when the connection is broken)."""
        try:
            async with self._lock:
                await async_write_event(event, self.writer)
        except (ConnectionError, RuntimeError) as err:
            raise SatelliteGone(f"satellite connection broke: {err!r}") from err

    async def events(self) -> AsyncIterator[Event]:
        """Events until the satellite closes the connection (ProtocolError for a bad frame)."""
        while True:
            try:
                event = await read_frame(self.reader, self.limits)
            except (asyncio.IncompleteReadError, ConnectionError) as err:
                raise SatelliteGone(f"satellite connection ended: {err!r}") from err
            if event is None:
                return
            yield event

    async def close(self) -> None:
        """Close the socket."""
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass  # already gone: closing is all we wanted
