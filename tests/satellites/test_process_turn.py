"""Black box: ``aria-server`` and ``aria-satellite`` as real processes on 127.0.0.1.

The satellite hears a WAV (``--mic-file``) and writes what it plays (``--snd-file``); the reply
is transcribed back with the server's own STT to check that it answers the question.
"""

from __future__ import annotations

from pathlib import Path

from aria_server.services import Services

from .conftest import StartSatellite
from .harness import ClipMaker, Feeder, ServerProcess, normalise, says_a_time, transcribe_wav


async def test_wake_word_then_question_gets_a_spoken_answer(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, services: Services
) -> None:
    question = clips.clip("okay_nabu_what_time", 0.5, "Okay, Nabu.", 0.4, "What time is it?", 1.0)
    reply = tmp_path / "reply.wav"
    satellite = await start_satellite("kitchen", "--mic-file", str(question), "--snd-file", str(reply))
    server = await ServerProcess.start(tmp_path / "data", "--satellite", satellite.uri)
    try:
        started = await satellite.wait_event(lambda e: e["event"] == "streaming-started")
        assert started["reason"] == "wake" and started["score"] >= 0.5
        transcript = await satellite.wait_event(lambda e: e["event"] == "transcript")
        assert "what time is it" in normalise(transcript["text"])
        played = await satellite.wait_event(lambda e: e["event"] == "played")
        assert played["completed"] is True
    finally:
        await server.stop()
    heard = normalise(await transcribe_wav(services.stt, reply))
    assert says_a_time(heard), heard


async def test_satellite_recovers_when_the_server_restarts(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite
) -> None:
    question = clips.clip("what_time", 0.3, "What time is it?", 0.3)
    feeder = Feeder(tmp_path, "hall")
    satellite = await start_satellite("hall", "--wake-word", "none", "--mic-command", feeder.command,
                                      "--snd-file", str(tmp_path / "hall.wav"))
    first = await ServerProcess.start(tmp_path / "data", "--satellite", satellite.uri)
    await satellite.wait_state("waiting", reason="run-satellite")
    await first.stop()
    lost = await satellite.wait_state("idle", reason="server lost")

    mark = len(satellite.events())
    second = await ServerProcess.start(tmp_path / "data", "--satellite", satellite.uri)
    try:
        await satellite.wait_state("waiting", after=mark, reason="run-satellite")
        feeder.say(question)
        transcript = await satellite.wait_event(lambda e: e["event"] == "transcript", after=mark)
        assert "what time is it" in normalise(transcript["text"])
        played = await satellite.wait_event(lambda e: e["event"] == "played", after=mark)
        assert played["completed"] is True and played["t_ns"] > lost["t_ns"]
    finally:
        await second.stop()
