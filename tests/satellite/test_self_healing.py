"""The satellite heals itself: a killed or frozen microphone program is restarted, a server
that drops mid-reply leaves it idle and ready for the next server, and a state in which
nothing happens is left. Every recovery is counted in the status the satellite reports.

Each test runs the real ``python -m aria_satellite`` with the feeder program as its microphone
and talks to it with the official wyoming client; waits are on the satellite's timing log.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from wyoming.audio import AudioChunk, AudioStart, AudioStop

from aria_wire.extensions import aria_run_satellite
from tests.satellites.harness import Feeder, SatelliteProcess

from .conftest import HouseServer

SatelliteAndMic = tuple[SatelliteProcess, Feeder]


async def _mic_pid(satellite: SatelliteProcess, session: int) -> int:
    started = await satellite.wait_event(lambda e: e["event"] == "mic-start" and e["session"] == session)
    return int(started["pid"])


def _health(record: dict[str, object]) -> dict[str, int]:
    return record["health"]  # type: ignore[return-value]


async def test_a_killed_microphone_program_is_restarted(room_satellite: SatelliteAndMic) -> None:
    satellite, _ = room_satellite
    async with HouseServer(satellite.port) as server:
        await server.send(aria_run_satellite())
        first = await _mic_pid(satellite, 1)
        os.kill(first, signal.SIGKILL)
        await satellite.wait_event(lambda e: e["event"] == "mic-failed")
        second = await _mic_pid(satellite, 2)
        assert second != first
        status = await server.wait_for("satellite-status", lambda d: d["health"]["mic_restarts"] == 1)
        assert status.data["health"]["last_error"].startswith("microphone failed")


async def test_a_frozen_microphone_program_is_replaced(room_satellite: SatelliteAndMic) -> None:
    satellite, _ = room_satellite
    async with HouseServer(satellite.port) as server:
        await server.send(aria_run_satellite())
        frozen = await _mic_pid(satellite, 1)
        os.kill(frozen, signal.SIGSTOP)  # alive, but no more audio
        await satellite.wait_event(lambda e: e["event"] == "mic-stalled")
        assert await _mic_pid(satellite, 2) != frozen
        status = await satellite.wait_event(lambda e: e["event"] == "status" and _health(e)["mic_restarts"] == 1)
        assert _health(status)["mic_stalls"] == 1
        assert not Path(f"/proc/{frozen}").exists()  # the frozen program was killed and reaped, not left behind


async def test_a_server_dropping_mid_reply_leaves_the_satellite_ready_for_the_next(
    room_satellite: SatelliteAndMic,
) -> None:
    satellite, _ = room_satellite
    server = HouseServer(satellite.port)
    await server.__aenter__()
    await server.send(aria_run_satellite(), AudioStart(rate=22_050, width=2, channels=1).event())
    await server.send(*[AudioChunk(rate=22_050, width=2, channels=1, audio=bytes(4410)).event() for _ in range(100)])
    await satellite.wait_state("speaking")
    mark = len(satellite.events())
    await server.close()  # the server dies in the middle of a 10 s reply
    await satellite.wait_state("idle", after=mark, reason="server lost")
    stopped = await satellite.wait_event(lambda e: e["event"] == "played", after=mark)
    assert stopped["completed"] is False
    async with HouseServer(satellite.port) as again:
        await again.send(aria_run_satellite())
        await satellite.wait_state("waiting", after=mark)
        status = await again.wait_for("satellite-status", lambda d: d["health"]["server_recoveries"] == 1)
        assert status.data["health"]["server_losses"] == 1


async def test_a_reply_whose_audio_stops_coming_is_left(room_satellite: SatelliteAndMic) -> None:
    satellite, _ = room_satellite
    async with HouseServer(satellite.port) as server:
        await server.send(aria_run_satellite(), AudioStart(rate=16_000, width=2, channels=1).event())
        await server.send(AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(3200)).event())  # 0.1 s, no audio-stop
        await satellite.wait_state("speaking")
        done = await satellite.wait_state("waiting", reason="stuck: no reply audio", after=0)
        assert done
        status = await server.wait_for("satellite-status", lambda d: d["health"]["stuck_resets"] == 1)
        assert "no reply audio" in status.data["health"]["last_error"]


async def test_a_frozen_speaker_program_is_replaced_and_the_reply_goes_on(tmp_path: Path) -> None:
    feeder = Feeder(tmp_path, "loft")
    pids, out = tmp_path / "speaker.pids", tmp_path / "speaker.raw"
    speaker = f"sh -c 'echo $$ >> {pids}; exec cat >> {out}'"  # exec: the pid written is cat's
    satellite = await SatelliteProcess.start(
        tmp_path, "loft", "--wake-word", "none", "--mic-command", feeder.command, "--snd-command", speaker,
        "--snd-rate", "16000",
    )
    try:
        async with HouseServer(satellite.port) as server:
            await server.send(aria_run_satellite(), AudioStart(rate=16_000, width=2, channels=1).event())
            await satellite.wait_event(lambda e: e["event"] == "playback-started" or e["event"] == "reply-audio-start")
            first = int(pids.read_text().split()[0])
            os.kill(first, signal.SIGSTOP)  # a pipe of 64 KB fills in 2 s: then every write hangs
            for _ in range(8):  # 8 s of reply, one second at a time
                await server.send(AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(32_000)).event())
            await server.send(AudioStop().event())
            stalled = await satellite.wait_event(lambda e: e["event"] == "speaker-stalled")
            assert stalled["error"] == "speaker stuck"
            played = await satellite.wait_event(lambda e: e["event"] == "played")
            assert played["completed"] is True  # the rest of the reply went to the new program
            status = await server.wait_for("satellite-status", lambda d: d["health"]["speaker_restarts"] == 1)
            assert status.data["health"]["last_error"] == "speaker stuck"
        assert len(pids.read_text().split()) == 2 and not Path(f"/proc/{first}").exists()
    finally:
        await satellite.stop()
