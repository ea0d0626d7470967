"""Fixtures of the satellite's own tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Self

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from tests.satellites.harness import TIMEOUT, ClipMaker, Feeder, SatelliteProcess


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipMaker:
    """Speech from the bundled Piper voice."""
    return ClipMaker(tmp_path_factory.mktemp("satellite-clips"))


class HouseServer:
    """The server's side of one satellite connection, through the official ``wyoming`` client.

    A stand-in for aria-server where a test needs to drive exact events (a reply cut in the
    middle, a reply of any length); the real server's satellite turns are in tests/satellites.
    """

    def __init__(self, port: int) -> None:
        self.client = AsyncTcpClient("127.0.0.1", port)
        self.received: list[Event] = []
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        await self.client.connect()
        self._reader = asyncio.get_running_loop().create_task(self._read(), name="house-server reader")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _read(self) -> None:
        while (event := await self.client.read_event()) is not None:
            self.received.append(event)

    async def send(self, *events: Event) -> None:
        for event in events:
            await self.client.write_event(event)

    async def wait_for(self, event_type: str, match: Any = None, after: int = 0) -> Event:
        """The first received event of ``event_type`` (from index ``after``) whose data ``match`` accepts."""
        async with asyncio.timeout(TIMEOUT):
            while True:
                for event in self.received[after:]:
                    if event.type == event_type and (match is None or match(event.data or {})):
                        return event
                await asyncio.sleep(0.02)

    async def close(self) -> None:
        """Drop the connection (as a server that dies does)."""
        await self.client.disconnect()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


@pytest.fixture
async def room_satellite(tmp_path: Path) -> AsyncIterator[tuple[SatelliteProcess, Feeder]]:
    """A satellite started on speech (no wake word) whose microphone is the test feeder program."""
    feeder = Feeder(tmp_path, "room")
    satellite = await SatelliteProcess.start(
        tmp_path, "room", "--wake-word", "none", "--mic-command", feeder.command, "--snd-file", str(tmp_path / "room.wav"),
        "--events-socket", str(tmp_path / "room.sock"), "--reply-gap", "1.5", "--mic-stall", "1.0",
    )
    # The socket is served by the satellite's tasks, which start just after "ready": a client
    # connecting at once could find no socket yet.
    await satellite.wait_line(r"room events on unix:")
    try:
        yield satellite, feeder
    finally:
        await satellite.stop()
