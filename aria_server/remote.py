"""A remote Wyoming service (a GPU box running wyoming-faster-whisper, wyoming-piper, another Aria).

The STT and TTS stage protocols are blocking (their calls run on the model's worker thread), so a
remote call runs its own short event loop on that thread: the server's loop never waits on the
network. Every call is bounded by a connect timeout and an overall deadline, and a remote that
could not be reached is skipped for ``retry_after_s`` so that a fallback chain does not pay the
connect timeout on every request while the remote is down.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlparse

from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info

from .errors import ConfigError, RemoteFailed, RemoteUnavailable

T = TypeVar("T")


def parse_tcp_uri(url: str) -> tuple[str, int]:
    """``tcp://HOST:PORT`` -> (host, port); ConfigError naming the form otherwise."""
    parsed = urlparse(url)
    if parsed.scheme != "tcp" or not parsed.hostname or parsed.port is None:
        raise ConfigError(f"remote Wyoming URL {url!r} is not of the form tcp://HOST:PORT", code="bad-remote-url")
    return parsed.hostname, parsed.port


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where a remote Wyoming service listens, and how long Aria waits for it."""

    url: str
    connect_timeout_s: float = 2.0
    timeout_s: float = 30.0
    """Deadline of one whole request (connect, send, every answer event)."""

    def client(self) -> AsyncTcpClient:
        host, port = parse_tcp_uri(self.url)
        return AsyncTcpClient(host, port, connect_timeout=self.connect_timeout_s, read_timeout=self.timeout_s)


class RemoteCaller:
    """Runs requests to one endpoint from worker threads; remembers when the remote was down."""

    def __init__(self, endpoint: RemoteEndpoint, retry_after_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.last_error: str | None = None

    @property
    def reachable(self) -> bool:
        """False while a recent failure to reach the remote is being waited out."""
        with self._lock:
            return self._clock() >= self._down_until

    def call(self, request: Callable[[AsyncTcpClient], Awaitable[T]]) -> T:
        """Blocking: connect, run ``request`` on the client under the deadline, disconnect."""
        if not self.reachable:
            raise RemoteUnavailable(f"{self.endpoint.url} was unreachable ({self.last_error}); retried later")
        try:
            result = asyncio.run(self._run(request))
        except RemoteFailed:
            raise
        except (OSError, TimeoutError, asyncio.IncompleteReadError, RemoteUnavailable) as err:
            message = str(err) or type(err).__name__
            with self._lock:
                self._down_until = self._clock() + self.retry_after_s
                self.last_error = message
            raise RemoteUnavailable(f"{self.endpoint.url}: {message}") from err
        with self._lock:
            self.last_error = None
        return result

    async def _run(self, request: Callable[[AsyncTcpClient], Awaitable[T]]) -> T:
        async with asyncio.timeout(self.endpoint.timeout_s):
            async with self.endpoint.client() as client:
                return await request(client)

    def describe(self) -> Info:
        """The remote's ``info`` (blocking)."""

        async def request(client: AsyncTcpClient) -> Info:
            await client.write_event(Describe().event())
            while True:
                event = await read_answer(client)
                if Info.is_type(event.type):
                    return Info.from_event(event)

        return self.call(request)


async def read_answer(client: AsyncTcpClient) -> Event:
    """The next event; RemoteUnavailable when the remote hung up, RemoteFailed on its error event."""
    event = await client.read_event()
    if event is None:
        raise RemoteUnavailable("the remote closed the connection")
    if Error.is_type(event.type):
        error = Error.from_event(event)
        raise RemoteFailed(f"the remote answered: {error.text}", code=f"remote-{error.code or 'error'}")
    return event
