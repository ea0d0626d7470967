"""Room hooks: every room event reaches the hook command (in order, JSON on stdin) and every
client of the events socket (JSON lines); a satellite's turn produces the events a room needs
to duck its music while Aria talks."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop

from aria_satellite.hooks import Hooks, RoomEvent
from aria_wire.extensions import aria_run_satellite
from tests.satellites.harness import (
    TIMEOUT,
    ClipMaker,
    Feeder,
    SatelliteProcess,
    wait_until,
)

from .conftest import HouseServer

# A hook program as a user would write one: append "EVENT reason" per call (e.g. to duck music).
HOOK = (
    "import json, sys; data = json.load(sys.stdin); "
    "open(sys.argv[1], 'a').write(sys.argv[2] + ' ' + str(data.get('reason', '')) + '\\n')"
)


async def _read_events(reader: asyncio.StreamReader, until: str) -> list[str]:
    seen: list[str] = []
    async with asyncio.timeout(TIMEOUT):
        while until not in seen:
            seen.append(json.loads(await reader.readline())["event"])
    return seen


async def test_events_reach_the_command_and_the_socket(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    hooks = Hooks((sys.executable, "-c", HOOK, str(calls)), tmp_path / "events.sock")
    task = asyncio.create_task(hooks.run())
    try:
        await wait_until(lambda: (tmp_path / "events.sock").exists(), what="the events socket")
        reader, writer = await asyncio.open_unix_connection(str(tmp_path / "events.sock"))
        await wait_until(lambda: hooks.clients == 1, what="the client registered")
        for event in (RoomEvent.WAKE_DETECTED, RoomEvent.LISTENING, RoomEvent.SPEAKING, RoomEvent.DONE):
            hooks.emit(event, reason="test")
        assert await _read_events(reader, "done") == ["wake-detected", "listening", "speaking", "done"]
        writer.close()
        await wait_until(lambda: calls.exists() and len(calls.read_text().splitlines()) == 4, what="4 hook calls")
        assert calls.read_text().splitlines() == ["wake-detected test", "listening test", "speaking test", "done test"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not (tmp_path / "events.sock").exists()


async def test_a_turn_tells_the_room_listening_thinking_speaking_done(
    room_satellite: tuple[SatelliteProcess, Feeder], clips: ClipMaker, tmp_path: Path
) -> None:
    satellite, feeder = room_satellite
    reader, writer = await asyncio.open_unix_connection(str(tmp_path / "room.sock"))
    try:
        async with HouseServer(satellite.port) as server:
            await server.send(aria_run_satellite())
            await satellite.wait_state("waiting")
            feeder.say(clips.clip("lamp-question", 0.3, "Turn on the lamp.", 1.0))
            await server.wait_for("audio-start")
            # Answer once the user has finished (2.2 s of audio, pre-roll included), or the reply
            # would rightly be interrupted by the rest of the sentence.
            await wait_until(lambda: sum(e.type == "audio-chunk" for e in server.received) > 70, what="the sentence")
            await server.send(Transcript(text="Turn on the lamp.").event())
            await server.send(AudioStart(rate=16_000, width=2, channels=1).event(),
                              AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(6400)).event(),
                              AudioStop().event())
            seen = await _read_events(reader, "done")
            await server.wait_for("played")
    finally:
        writer.close()
    turn = [e for e in seen if e != "status"]
    assert turn == ["listening", "thinking", "speaking", "done"]
