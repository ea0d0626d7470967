"""The Wyoming TCP server: one handler per connection, on the shared accept loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from wyoming.error import Error
from wyoming.event import async_write_event

from aria_wire.accept import AcceptLoop
from aria_wire.framing import FrameLimits

from .handler import AriaEventHandler

_LOGGER = logging.getLogger(__name__)

HandlerFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], AriaEventHandler]


class WyomingServer:
    """Accepts connections on host:port (port 0 picks a free one; see ``port`` after start)."""

    def __init__(
        self,
        host: str,
        port: int,
        limits: FrameLimits,
        handler_factory: HandlerFactory,
        *,
        max_connections: int | None = None,
        max_per_peer: int | None = None,
    ) -> None:
        self.host = host
        self.limits = limits
        self._factory = handler_factory
        self._loop = AcceptLoop(
            host, port, self._serve, line_limit=limits.max_line_bytes, name="wyoming",
            max_connections=max_connections, max_per_peer=max_per_peer, refuse=_refuse,
        )

    @property
    def connections(self) -> int:
        """Connections being served now."""
        return self._loop.connections

    @property
    def port(self) -> int:
        """The bound port."""
        return self._loop.port

    async def start(self) -> None:
        """Bind and start accepting."""
        await self._loop.start()
        _LOGGER.info("Wyoming server listening on tcp://%s:%d", self.host, self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._factory(reader, writer).run()

    async def stop(self) -> None:
        """Stop accepting, then cancel and await every connection."""
        await self._loop.stop()


async def _refuse(writer: asyncio.StreamWriter, reason: str) -> None:
    """A refused client learns why (an ``error`` event), then the accept loop closes it."""
    await async_write_event(Error(text=reason, code="too-many-connections").event(), writer)
