"""A client that closes after its answer (Home Assistant's may leave after ``handled-stop``)
is an INFO line, not an ERROR with a traceback: the turn was answered and nothing failed here.

The race is made certain, not hoped for: the server holds its last event (``handled``) until
the official client has read ``handled-stop`` and reset its connection (SO_LINGER 0), so that
write finds the connection gone, as it does when Home Assistant is quicker than the server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import struct
from collections.abc import AsyncIterator

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.handle import HandledStop

from aria_server.services import Services
from aria_server.wyoming.handler import AriaEventHandler
from aria_server.wyoming.info import build_info
from aria_server.wyoming.server import WyomingServer

TIMEOUT = 60


class _HoldsTheLastEvent(AriaEventHandler):
    """Writes ``handled`` only once the test's client has gone (``client_gone``)."""

    client_gone: asyncio.Event

    async def write_event(self, event: Event) -> None:
        if event.type == "handled":
            await self.client_gone.wait()
        await super().write_event(event)


class _Records(logging.Handler):
    """Every record of the server's loggers; ``left`` is set by the line that says the client left."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.left = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        # An ERROR ends the wait too, so the test fails at once on the old behaviour.
        if record.levelno >= logging.ERROR or ("left" in record.getMessage() and record.name.startswith("aria_server.pipeline")):
            self.left.set()


@pytest.fixture
async def held_server(services: Services) -> AsyncIterator[tuple[WyomingServer, asyncio.Event]]:
    gone = asyncio.Event()
    handler = type("Held", (_HoldsTheLastEvent,), {"client_gone": gone})
    info = build_info(services.stt, services.tts, services.agent)
    factory = functools.partial(handler, services=services, info=info, limits=services.limits, idle_timeout_s=30.0)
    server = WyomingServer("127.0.0.1", 0, services.limits, factory)
    await server.start()
    yield server, gone
    await server.stop()


async def test_a_client_that_leaves_after_handled_stop_is_an_info_line(
    held_server: tuple[WyomingServer, asyncio.Event],
) -> None:
    server, gone = held_server
    records = _Records()
    logger = logging.getLogger("aria_server")
    logger.addHandler(records)
    try:
        client = AsyncTcpClient("127.0.0.1", server.port)
        await client.connect()
        await client.write_event(Transcript(text="What time is it?", language="en").event())
        while True:
            event = await asyncio.wait_for(client.read_event(), TIMEOUT)
            assert event is not None, "the server closed before handled-stop"
            if HandledStop.is_type(event.type):
                break
        assert client._writer is not None  # the official client keeps its writer here
        sock = client._writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
        await client.disconnect()
        gone.set()
        await asyncio.wait_for(records.left.wait(), TIMEOUT)
    finally:
        logger.removeHandler(records)
    errors = [r for r in records.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors]
    left = [r for r in records.records if r.name.startswith("aria_server.pipeline") and "left" in r.getMessage()]
    assert [r.levelno for r in left] == [logging.INFO]
