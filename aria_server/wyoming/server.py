"""The Wyoming TCP server: one handler per connection, on the shared accept loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aria_wire.accept import AcceptLoop
from aria_wire.framing import FrameLimits

from .handler import AriaEventHandler

_LOGGER = logging.getLogger(__name__)

HandlerFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], AriaEventHandler]


class WyomingServer:
    """Accepts connections on host:port (port 0 picks a free one; see ``port`` after start)."""

    def __init__(self, host: str, port: int, limits: FrameLimits, handler_factory: HandlerFactory) -> None:
        self.host = host
        self.limits = limits
        self._factory = handler_factory
        self._loop = AcceptLoop(host, port, self._serve, line_limit=limits.max_line_bytes, name="wyoming")

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
