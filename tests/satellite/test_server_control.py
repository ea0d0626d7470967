"""What a server can ask of the satellite beyond a turn: a reply of any length played to its
end, listening without a wake word once a question has been spoken (the house starting a
conversation), two wake words each naming its pipeline, and wake settings changed live.

The real ``python -m aria_satellite``, driven through the official wyoming client.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from wyoming.asr import Transcribe
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.satellite import RunSatellite

from aria_wire.extensions import aria_run_satellite
from tests.satellites.harness import ClipMaker, Feeder, SatelliteProcess

from .conftest import HouseServer

RATE = 16_000


def _chunk(seconds: float) -> Event:
    return AudioChunk(rate=RATE, width=2, channels=1, audio=bytes(int(RATE * seconds) * 2)).event()


async def test_a_long_reply_streamed_slowly_plays_to_its_end(room_satellite: tuple[SatelliteProcess, Feeder]) -> None:
    satellite, _ = room_satellite  # --reply-gap 1.5: the watchdog's limit is on silence, not on length
    async with HouseServer(satellite.port) as server:
        await server.send(aria_run_satellite(), AudioStart(rate=RATE, width=2, channels=1).event())
        for _ in range(6):  # 12 s of reply, arriving 2 s at a time, each second of a pause between them
            await server.send(_chunk(2.0))
            await asyncio.sleep(1.0)  # the pace of a slow TTS, which is what this test is about
        await server.send(AudioStop().event())
        played = await satellite.wait_event(lambda e: e["event"] == "played")
        assert played["completed"] is True
        await server.wait_for("played")
        states = [e["reason"] for e in satellite.events() if e["event"] == "state"]
        assert states == ["run-satellite", "audio-start", "played"]


async def test_a_question_spoken_then_listened_to_without_a_wake_word(tmp_path: Path) -> None:
    feeder = Feeder(tmp_path, "hall")
    satellite = await SatelliteProcess.start(
        tmp_path, "hall", "--mic-command", feeder.command, "--snd-file", str(tmp_path / "hall.wav")
    )  # the default wake word: nothing starts a turn without it, except the server
    try:
        async with HouseServer(satellite.port) as server:
            await server.send(aria_run_satellite(), AudioStart(rate=RATE, width=2, channels=1).event(), _chunk(1.0))
            await satellite.wait_state("speaking")
            # The server asks to listen while the question is still playing: it waits for the end.
            await server.send(Transcribe(context={"follow_up": True, "seconds": 5}).event(), AudioStop().event())
            follow = await satellite.wait_event(lambda e: e["event"] == "streaming-started")
            assert follow["reason"] == "follow-up"
            played = await satellite.wait_event(lambda e: e["event"] == "played")
            assert played["completed"] is True and played["t_ns"] <= follow["t_ns"]
            await server.wait_for("run-pipeline")
            # Nobody answers: the stream ends at the server's 5 s, not the satellite's 15 s.
            stopped = await satellite.wait_event(lambda e: e["event"] == "streaming-stopped")
            assert stopped["reason"] == "stream time limit"
            assert 4.5e9 < stopped["t_ns"] - follow["t_ns"] < 8e9  # the bound it was given, not a speed
    finally:
        await satellite.stop()


async def test_two_wake_words_select_their_pipelines_and_settings_change_live(
    tmp_path: Path, clips: ClipMaker
) -> None:
    feeder = Feeder(tmp_path, "study")
    satellite = await SatelliteProcess.start(
        tmp_path, "study", "--wake-word", "okay_nabu", "--wake-word", "hey_jarvis@deutsch", "--no-chimes",
        "--mic-command", feeder.command, "--snd-file", str(tmp_path / "study.wav"),
    )
    try:
        async with HouseServer(satellite.port) as server:
            await server.send(Describe().event())
            info = Info.from_event(await server.wait_for("info"))
            assert info.satellite is not None and info.satellite.active_wake_words == ["okay_nabu", "hey_jarvis"]
            await server.send(aria_run_satellite())
            await satellite.wait_state("waiting")
            await server.send(Event(type="satellite-config", data={"wake_threshold": 0.9, "wake_refractory_s": 1.0}))
            status = await server.wait_for("satellite-status", lambda d: d.get("wake") and d["wake"]["refractory_s"] == 1.0)
            assert status.data["wake"]["thresholds"] == {"okay_nabu": 0.9, "hey_jarvis": 0.9}
            feeder.say(clips.clip("hey_jarvis", 0.3, "Hey Jarvis!", 1.0))
            detection = await server.wait_for("detection")
            assert detection.data["name"] == "hey_jarvis" and detection.data["context"]["pipeline"] == "deutsch"
            run = await server.wait_for("run-pipeline")
            assert run.data["wake_word_name"] == "hey_jarvis" and run.data["pipeline"] == "deutsch"
            await server.send(Event(type="satellite-config", data={"wake_threshold": 3}))
            refused = await server.wait_for("error")
            assert refused.data["code"] == "bad-config"
    finally:
        await satellite.stop()


async def test_a_server_that_is_not_arias_gets_no_aria_only_events(room_satellite: tuple[SatelliteProcess, Feeder]) -> None:
    satellite, _ = room_satellite
    async with HouseServer(satellite.port) as server:  # a plain run-satellite, as Home Assistant sends it
        await server.send(RunSatellite().event(), AudioStart(rate=RATE, width=2, channels=1).event(), _chunk(0.3),
                          AudioStop().event())
        await server.wait_for("played")
        await server.send(Event(type="satellite-config", data={"wake_threshold": 0.5}))
        await satellite.wait_event(lambda e: e["event"] == "status" and e["reason"] == "config")
        types = {event.type for event in server.received}
    assert types.isdisjoint({"satellite-status", "playback-started", "streaming-started", "streaming-stopped"}), types
