"""The one accept loop for Wyoming servers (Aria's port and the satellite's).

``AcceptLoop`` binds host:port, runs ``serve(reader, writer)`` as one task per connection, and
on ``stop`` stops accepting, cancels every connection task and waits for them. Port 0 picks a
free port (read ``port`` after ``start``).

Connections are capped, in total and per peer address: the Wyoming protocol has no
authentication, so anyone on the network could otherwise open sessions until memory runs out
(300 idle STT sessions took 900 MB). A connection over a cap is answered by ``refuse`` (say
why, briefly) and closed at once; the ones already served are not disturbed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

ConnectionHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Refusal = Callable[[asyncio.StreamWriter, str], Awaitable[None]]
"""``(writer, reason)``: tell a refused peer why before the loop closes its connection."""


class AcceptLoop:
    """Accepts connections and owns the task that serves each one."""

    def __init__(
        self,
        host: str,
        port: int,
        serve: ConnectionHandler,
        *,
        line_limit: int,
        name: str,
        max_connections: int | None = None,
        max_per_peer: int | None = None,
        refuse: Refusal | None = None,
    ) -> None:
        """``max_connections`` / ``max_per_peer``: caps (None: none) on connections served at once."""
        self.host = host
        self.requested_port = port
        self.name = name
        self.max_connections = max_connections
        self.max_per_peer = max_per_peer
        self._serve = serve
        self._refuse = refuse
        self._line_limit = line_limit
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._per_peer: dict[str, int] = {}
        self.refused = 0
        """Connections refused by a cap since start."""

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

    def _over_cap(self, host: str) -> str | None:
        if self.max_connections is not None and len(self._tasks) >= self.max_connections:
            return f"too many connections (at most {self.max_connections})"
        if self.max_per_peer is not None and self._per_peer.get(host, 0) >= self.max_per_peer:
            return f"too many connections from {host} (at most {self.max_per_peer})"
        return None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        reason = self._over_cap(host)
        if reason is not None:
            self.refused += 1
            _LOGGER.warning("%s: refusing %s: %s", self.name, peer, reason)
            await self._refuse_and_close(writer, reason)
            return
        self._per_peer[host] = self._per_peer.get(host, 0) + 1
        task = asyncio.create_task(self._serve_and_close(reader, writer), name=f"{self.name} connection {peer}")
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._done(done, host))

    async def _refuse_and_close(self, writer: asyncio.StreamWriter, reason: str) -> None:
        try:
            if self._refuse is not None:
                # Bounded: a peer that does not read must not hold the refusal open.
                async with asyncio.timeout(1.0):
                    await self._refuse(writer, reason)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _serve_and_close(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        finally:
            writer.close()

    def _done(self, task: asyncio.Task[None], host: str) -> None:
        self._tasks.discard(task)
        left = self._per_peer.get(host, 1) - 1
        if left > 0:
            self._per_peer[host] = left
        else:
            self._per_peer.pop(host, None)
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
