"""The player: real-time writes to the sink, start/finish callbacks, and an immediate stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from aria_satellite.playback import Player


class MemorySink:
    """A sink that keeps what it was given (a stand-in for a sound card, which the tests lack)."""

    rate = 16_000

    def __init__(self) -> None:
        self.written = bytearray()

    async def open(self) -> None:
        """Nothing to open."""

    async def write(self, pcm: bytes) -> None:
        self.written += pcm

    async def close(self) -> None:
        """Nothing to close."""

    async def abort(self) -> None:
        """Nothing to drop."""


class Recorder:
    """The player's callbacks, as a log and as awaitable moments."""

    def __init__(self) -> None:
        self.log: list[tuple[str, object]] = []
        self._moments: dict[str, asyncio.Future[object]] = {}

    def _moment(self, key: str) -> asyncio.Future[object]:
        return self._moments.setdefault(key, asyncio.get_running_loop().create_future())

    def record(self, kind: str, stream: str, value: object) -> None:
        self.log.append((f"{kind} {stream}", value))
        moment = self._moment(f"{kind} {stream}")
        if not moment.done():
            moment.set_result(value)

    async def wait(self, key: str) -> object:
        return await asyncio.wait_for(self._moment(key), 10)


@pytest.fixture
async def setup() -> AsyncIterator[tuple[Player, MemorySink, Recorder]]:
    sink, recorder = MemorySink(), Recorder()
    player = Player(
        sink,
        lead_ms=40,
        on_started=lambda stream, t: recorder.record("started", stream, t),
        on_finished=lambda stream, done: recorder.record("finished", stream, done),
    )
    task = asyncio.create_task(player.run())
    yield player, sink, recorder
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_sound_is_written_and_reported_finished(setup: tuple[Player, MemorySink, Recorder]) -> None:
    player, sink, recorder = setup
    player.play("beep", b"\x10\x00" * 3200, 16_000)  # 0.2 s
    assert await recorder.wait("finished beep") is True
    assert bytes(sink.written) == b"\x10\x00" * 3200
    assert [event for event, _ in recorder.log] == ["started beep", "finished beep"]
    assert not player.busy


async def test_stop_drops_the_rest_at_once(setup: tuple[Player, MemorySink, Recorder]) -> None:
    player, sink, recorder = setup
    player.begin("reply", 16_000)
    player.feed("reply", b"\x01\x00" * 16_000 * 5)  # 5 s
    await recorder.wait("started reply")
    assert player.stop() == "reply"
    assert ("finished reply", False) in recorder.log
    written = len(sink.written)
    player.end("reply")  # late events of the stopped stream change nothing
    assert written < 16_000 * 2  # far less than the 5 s queued
    player.play("next", b"\x02\x00" * 800, 16_000)
    assert await recorder.wait("finished next") is True
    assert bytes(sink.written).endswith(b"\x02\x00" * 800)
