"""The satellite manager (in process, on the real models) driving real ``aria-satellite`` processes.

Each satellite hears a test microphone (``tests.satellites.feeder``) so a test speaks exactly
when it wants to: after a reply started playing (barge-in), after it ended (follow-up), to two
rooms at once (arbitration).
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from aria_server.satellites.manager import SatelliteManager

from .conftest import StartManager, StartSatellite
from .harness import ClipMaker, Feeder, SatelliteProcess, normalise, wait_until


def status(manager: SatelliteManager, name: str) -> dict[str, Any]:
    """The manager's snapshot row of ``name``."""
    return next(row for row in manager.snapshot() if row["name"] == name)


async def ready(manager: SatelliteManager, satellite: SatelliteProcess, name: str, after: int = 0) -> None:
    """Wait until the manager has connected and the satellite listens for us."""
    await satellite.wait_state("waiting", reason="run-satellite", after=after)
    await wait_until(lambda: any(r["name"] == name and r["connected"] for r in manager.snapshot()), what=f"{name} up")


async def satellite_with_feeder(
    start_satellite: StartSatellite, tmp_path: Path, name: str, *options: str, port: int = 0
) -> tuple[SatelliteProcess, Feeder]:
    feeder = Feeder(tmp_path, name)
    satellite = await start_satellite(
        name, "--mic-command", feeder.command, "--snd-file", str(tmp_path / f"{name}.wav"), *options, port=port
    )
    return satellite, feeder


async def test_speech_starts_a_turn_without_wake_word_and_keeps_the_first_word(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "office", "--wake-word", "none")
    manager = await start_manager([satellite.uri])
    await ready(manager, satellite, "office")
    feeder.say(clips.clip("what_time", 0.3, "What time is it?", 0.3))
    started = await satellite.wait_event(lambda e: e["event"] == "streaming-started")
    assert started["reason"] == "speech"
    transcript = await satellite.wait_event(lambda e: e["event"] == "transcript")
    assert normalise(transcript["text"]).startswith("what time")  # the pre-roll kept "what"
    await satellite.wait_event(lambda e: e["event"] == "played" and e["completed"])
    turn = await wait_until(lambda: status(manager, "office")["last_turn"], what="last turn")
    assert turn["outcome"] == "done" and turn["trigger"] == "start"
    for stage in ("vad_end", "stt_done", "first_token", "first_clause", "first_audio_out", "playback_start"):
        assert stage in turn["since_vad_end_ms"], stage
    # The turn is recorded just before the satellite's job ends and the state returns to idle.
    await wait_until(lambda: status(manager, "office")["state"] == "idle", what="idle after the turn")


async def test_speech_during_playback_stops_it_and_starts_a_new_turn(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "den")
    manager = await start_manager([satellite.uri])
    await ready(manager, satellite, "den")
    feeder.say(clips.clip("wake_help", 0.3, "Okay, Nabu.", 0.3, "What can you do?", 0.3))
    await satellite.wait_event(lambda e: e["event"] == "playback-started")
    await wait_until(lambda: status(manager, "den")["state"] == "speaking", what="speaking")
    mark = len(satellite.events())
    feeder.say(clips.clip("what_time", 0.3, "What time is it?", 0.3))

    barge = await satellite.wait_event(lambda e: e["event"] == "barge-in", after=mark)
    assert barge["by"] == "speech"
    stopped = await satellite.wait_event(lambda e: e["event"] == "played", after=mark)
    assert stopped["completed"] is False
    transcript = await satellite.wait_event(lambda e: e["event"] == "transcript", after=mark)
    assert "what time" in normalise(transcript["text"])
    await satellite.wait_event(lambda e: e["event"] == "played" and e["completed"], after=mark)
    turns = await wait_until(lambda: len(manager.recent_turns) >= 2 and list(manager.recent_turns), what="2 turns")
    interrupted, answered = turns[0], turns[1]
    assert interrupted["ended_by"] == "barge-in" and "playback_stop" in interrupted["since_start_ms"]
    assert answered["trigger"] == "barge-in" and answered["outcome"] == "done"
    assert answered["conversation_id"] == interrupted["conversation_id"]


async def test_a_question_in_the_reply_reopens_the_microphone(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "porch")
    manager = await start_manager([satellite.uri], follow_up_s=10.0)
    await ready(manager, satellite, "porch")
    feeder.say(clips.clip("wake_hello", 0.3, "Okay, Nabu.", 0.3, "Hello.", 0.3))
    await satellite.wait_event(lambda e: e["event"] == "played" and e["completed"])  # "Hello! How can I help?"
    follow = await satellite.wait_event(lambda e: e["event"] == "streaming-started" and e["reason"] == "follow-up")
    feeder.say(clips.clip("what_time", 0.3, "What time is it?", 0.3))
    transcript = await satellite.wait_event(lambda e: e["event"] == "transcript" and e["t_ns"] > follow["t_ns"])
    assert "what time" in normalise(transcript["text"])
    turns = await wait_until(lambda: len(manager.recent_turns) >= 2 and list(manager.recent_turns), what="2 turns")
    assert turns[1]["trigger"] == "follow-up"
    assert turns[1]["conversation_id"] == turns[0]["conversation_id"]


async def test_two_rooms_hearing_one_wake_word_answer_once(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    near, near_mic = await satellite_with_feeder(start_satellite, tmp_path, "near")
    far, far_mic = await satellite_with_feeder(start_satellite, tmp_path, "far")
    manager = await start_manager([near.uri, far.uri])
    await ready(manager, near, "near")
    await ready(manager, far, "far")
    question = clips.clip("wake_time", 0.3, "Okay, Nabu.", 0.3, "What time is it?", 0.3)
    near_mic.say(question)
    far_mic.say(question, gain=0.5)  # the same voice, from the next room

    turns = await wait_until(lambda: len(manager.recent_turns) >= 2 and list(manager.recent_turns), what="2 turns")
    outcome = {turn["satellite"]: turn["outcome"] for turn in turns}
    assert sorted(outcome.values()) == ["done", "stood-down"], outcome
    # The same voice twice as loud over the same (digital) silence: the better SNR answers,
    # whatever the saturated wake scores say (arbitration.py).
    assert outcome["near"] == "done", outcome
    winner, loser = near, far
    await winner.wait_event(lambda e: e["event"] == "played" and e["completed"])
    await loser.wait_state("waiting", reason="error stand-down")
    assert not any(e["event"] == "playback-started" for e in loser.events())


async def test_satellite_killed_mid_turn_frees_the_turn_and_is_reconnected(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "attic")
    manager = await start_manager([satellite.uri])
    await ready(manager, satellite, "attic")
    feeder.say(clips.clip("wake_help", 0.3, "Okay, Nabu.", 0.3, "What can you do?", 0.3))
    await satellite.wait_event(lambda e: e["event"] == "playback-started")
    await satellite.stop(signal.SIGKILL)
    await wait_until(lambda: status(manager, "attic")["state"] == "disconnected", what="disconnected")
    session = manager.find("attic")
    assert session.runner.current is None and session.runner.listening() is None
    assert status(manager, "attic")["last_turn"]["ended_by"] == "satellite disconnected"

    again, feeder = await satellite_with_feeder(start_satellite, tmp_path, "attic", "--wake-word", "none",
                                                port=satellite.port)
    await ready(manager, again, "attic")
    feeder.say(clips.clip("what_time", 0.3, "What time is it?", 0.3))
    await again.wait_event(lambda e: e["event"] == "played" and e["completed"])
    assert status(manager, "attic")["turns"] == 2


async def test_announce_and_timer_ring_on_the_satellite(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "kitchen", "--wake-word", "none")
    manager = await start_manager([satellite.uri])
    await ready(manager, satellite, "kitchen")
    result = await manager.announce("kitchen", "Dinner is ready.")
    assert result["played"] is True and result["seconds"] > 0.3

    feeder.say(clips.clip("timer_2s", 0.3, "Set a timer for two seconds.", 0.3))
    transcript = await satellite.wait_event(lambda e: e["event"] == "transcript")
    assert "timer" in normalise(transcript["text"])
    ring = await satellite.wait_event(lambda e: e["event"] == "timer-ring")
    assert ring["t_ns"] > transcript["t_ns"]
