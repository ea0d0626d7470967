"""One microphone, two controllers, on a real satellite: Aria's server (Wyoming) and Home
Assistant (ESPHome API) connected at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from wyoming.asr import Transcript
from wyoming.satellite import RunSatellite

from tests.satellite.conftest import HouseServer
from tests.satellites.harness import Feeder

from .conftest import AUDIO, MediaServer, VoiceSession, api_client, start_satellite

pytestmark = pytest.mark.timeout(180)


async def test_a_speech_turn_is_arias_and_home_assistant_cannot_announce_over_it(
    tmp_path: Path, media: MediaServer
) -> None:
    feeder = Feeder(tmp_path, "shared")
    sat = await start_satellite(tmp_path, "shared", "--wake-word", "none", "--mic-command", feeder.command)
    try:
        async with api_client(sat.port) as client, HouseServer(sat.process.port) as aria:
            session = VoiceSession(client)
            await aria.send(RunSatellite().event())
            await sat.process.wait_state("waiting")
            feeder.say(AUDIO / "turn_on_the_lamp.wav")
            await aria.wait_for("run-pipeline")
            await sat.process.wait_state("streaming")
            finished = await client.send_voice_assistant_announcement_await_response(media.url("reply.wav"), 60)
            assert not finished.success  # refused at once: the user is talking to Aria
            assert session.starts.empty()
            await aria.send(Transcript(text="turn on the lamp").event())
            await sat.process.wait_state("thinking")
    finally:
        await sat.stop()
