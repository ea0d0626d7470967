"""Talking to any Wyoming server with the official client: connect, read, fail clearly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from wyoming.client import AsyncClient, AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info

from .errors import BenchError


def parse_uri(uri: str) -> tuple[str, int]:
    """``tcp://HOST:PORT`` -> (host, port); ``BenchError`` for anything else."""
    parsed = urlparse(uri)
    if parsed.scheme != "tcp" or parsed.hostname is None or parsed.port is None:
        raise BenchError(f"expected --uri tcp://HOST:PORT, got {uri!r}")
    return parsed.hostname, parsed.port


@asynccontextmanager
async def connect(uri: str, timeout: float) -> AsyncIterator[AsyncClient]:
    """A fresh connection (one per request, as Home Assistant does); ``timeout`` bounds each read."""
    host, port = parse_uri(uri)
    client = AsyncTcpClient(host, port, connect_timeout=timeout, read_timeout=timeout)
    try:
        await client.connect()
    except (OSError, asyncio.TimeoutError) as err:
        raise BenchError(f"cannot connect to {uri}: {err!r}") from err
    try:
        yield client
    finally:
        await client.disconnect()


async def read_event(client: AsyncClient) -> Event:
    """The next event; ``BenchError`` on an ``error`` event, a closed connection or a timeout."""
    try:
        event = await client.read_event()
    except asyncio.TimeoutError as err:
        raise BenchError(f"no event within {client.read_timeout} s") from err
    except (OSError, asyncio.IncompleteReadError) as err:
        raise BenchError(f"connection broke: {err!r}") from err
    if event is None:
        raise BenchError("server closed the connection before answering")
    if Error.is_type(event.type):
        error = Error.from_event(event)
        raise BenchError(f"server error {error.code or ''}: {error.text}")
    return event


async def describe(uri: str, timeout: float) -> Info:
    """The server's ``info`` (what it offers)."""
    async with connect(uri, timeout) as client:
        await client.write_event(Describe().event())
        while True:
            event = await read_event(client)
            if Info.is_type(event.type):
                return Info.from_event(event)
