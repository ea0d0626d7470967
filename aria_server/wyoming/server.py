"""The Wyoming TCP server: one handler task per connection, owned and cancelled on stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .framing import FrameLimits
from .handler import AriaEventHandler

_LOGGER = logging.getLogger(__name__)

HandlerFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], AriaEventHandler]


class WyomingServer:
    """Accepts connections on host:port (port 0 picks a free one; see ``port`` after start)."""

    def __init__(self, host: str, port: int, limits: FrameLimits, handler_factory: HandlerFactory) -> None:
        self.host = host
        self.requested_port = port
        self.limits = limits
        self._factory = handler_factory
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None and self._server.sockets, "server not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Bind and start accepting."""
        self._server = await asyncio.start_server(
            self._on_connect, self.host, self.requested_port, limit=self.limits.max_line_bytes
        )
        _LOGGER.info("Wyoming server listening on tcp://%s:%d", self.host, self.port)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = self._factory(reader, writer)
        task = asyncio.create_task(handler.run(), name=f"wyoming-connection {handler.peer}")
        self._tasks.add(task)
        task.add_done_callback(self._on_handler_done)

    def _on_handler_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            _LOGGER.error("%s ended with an error", task.get_name(), exc_info=err)

    async def stop(self) -> None:
        """Stop accepting, then cancel and await every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
