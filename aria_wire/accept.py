"""The one accept loop for Wyoming servers (Aria's port and the satellite's).

``AcceptLoop`` binds host:port, runs ``serve(reader, writer)`` as one task per connection, and
on ``stop`` stops accepting, cancels every connection task and waits for them. Port 0 picks a
free port (read ``port`` after ``start``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

ConnectionHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class AcceptLoop:
    """Accepts connections and owns the task that serves each one."""

    def __init__(self, host: str, port: int, serve: ConnectionHandler, *, line_limit: int, name: str) -> None:
        self.host = host
        self.requested_port = port
        self.name = name
        self._serve = serve
        self._line_limit = line_limit
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None and self._server.sockets, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """Connections being served now."""
        return len(self._tasks)

    async def start(self) -> None:
        """Bind and start accepting."""
        self._server = await asyncio.start_server(self._accept, self.host, self.requested_port, limit=self._line_limit)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        task = asyncio.create_task(self._serve_and_close(reader, writer), name=f"{self.name} connection {peer}")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    async def _serve_and_close(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        finally:
            writer.close()

    def _done(self, task: asyncio.Task[None]) -> None:
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
