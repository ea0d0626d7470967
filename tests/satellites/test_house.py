"""The house starts conversations: announce-then-listen, a question with answers, a broadcast to
every room but some, and wake settings changed from the server — with real satellites."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aria_server.satellites.answers import Answer, match_answer

from .conftest import StartManager, StartSatellite
from .harness import ClipMaker, normalise, wait_until
from .test_turns import ready, satellite_with_feeder, status

YES_NO = [Answer("yes", ("yes", "sure", "do it")), Answer("no", ("no", "not now"))]


def test_an_answer_is_one_of_its_sentences_in_whole_words() -> None:
    assert match_answer("Yes, please.", YES_NO) == "yes"
    assert match_answer("Not now, thanks", YES_NO) == "no"
    assert match_answer("Nobody knows", YES_NO) is None  # "no" inside "nobody" is not "no"
    assert match_answer("", YES_NO) is None


async def test_a_question_gets_the_answer_the_user_gave(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "hall")
    manager = await start_manager([satellite.uri], follow_up_s=10.0)
    await ready(manager, satellite, "hall")
    asking = asyncio.create_task(manager.ask("hall", "Shall I turn off the lights?", YES_NO, 40.0))
    listening = await satellite.wait_event(lambda e: e["event"] == "streaming-started" and e["reason"] == "follow-up")
    feeder.say(clips.clip("yes_please", 0.3, "Yes, please.", 0.5))
    result = await asyncio.wait_for(asking, 60)
    assert result["id"] == "yes" and "yes" in normalise(result["text"])
    assert listening["t_ns"] > 0
    # The answer went to the house, not to the conversation agent: no reply was spoken for it.
    [turn] = await wait_until(lambda: list(manager.recent_turns) or None, what="the answer's turn")
    assert turn["trigger"] == "follow-up" and turn["outcome"] == "heard" and "reply" not in turn


async def test_a_question_nobody_answers_gives_no_answer(
    tmp_path: Path, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, _ = await satellite_with_feeder(start_satellite, tmp_path, "attic")
    manager = await start_manager([satellite.uri], follow_up_s=3.0, no_speech_s=3.0)
    await ready(manager, satellite, "attic")
    result = await asyncio.wait_for(manager.ask("attic", "Is anyone there?", YES_NO, 30.0), 60)
    assert result == {"id": None, "text": ""}


async def test_a_started_conversation_answers_the_reply_as_a_turn(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, feeder = await satellite_with_feeder(start_satellite, tmp_path, "den")
    manager = await start_manager([satellite.uri], follow_up_s=10.0)
    await ready(manager, satellite, "den")
    opened = await manager.start_conversation("den", "Good morning. What would you like to know?")
    assert opened["listening_s"] == 10.0 and opened["seconds"] > 1.0
    follow = await satellite.wait_event(lambda e: e["event"] == "streaming-started" and e["reason"] == "follow-up")
    feeder.say(clips.clip("what_time_den", 0.3, "What time is it?", 0.5))
    transcript = await satellite.wait_event(lambda e: e["event"] == "transcript" and e["t_ns"] > follow["t_ns"])
    assert "what time" in normalise(transcript["text"])
    [turn] = await wait_until(lambda: list(manager.recent_turns) or None, what="the reply's turn")
    assert turn["trigger"] == "follow-up" and turn["outcome"] == "done" and ":" in turn["reply"]


async def test_a_broadcast_speaks_everywhere_but_the_excluded_rooms(
    tmp_path: Path, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    upstairs, _ = await satellite_with_feeder(start_satellite, tmp_path, "upstairs")
    downstairs, _ = await satellite_with_feeder(start_satellite, tmp_path, "downstairs")
    manager = await start_manager([upstairs.uri, downstairs.uri])
    await ready(manager, upstairs, "upstairs")
    await ready(manager, downstairs, "downstairs")
    result = await manager.broadcast("Dinner is ready.", exclude=["downstairs"])
    assert [row["satellite"] for row in result["spoken"]] == ["upstairs"] and result["failed"] == []
    await upstairs.wait_event(lambda e: e["event"] == "played")
    assert status(manager, "downstairs")["turns"] == 0


async def test_wake_settings_are_changed_from_the_server(
    tmp_path: Path, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite, _ = await satellite_with_feeder(start_satellite, tmp_path, "study")
    manager = await start_manager([satellite.uri])
    await ready(manager, satellite, "study")
    await wait_until(lambda: status(manager, "study")["health"] is not None, what="the satellite's own status")
    result = await manager.configure("study", {"wake_threshold": 0.7, "wake_refractory_s": 3.0})
    assert result["status"]["wake"]["refractory_s"] == 3.0
    assert 0.7 in result["status"]["wake"]["thresholds"].values() or result["status"]["wake"]["thresholds"] == [0.7]
    assert status(manager, "study")["wake_words"]["refractory_s"] == 3.0
