"""A timer rings in the room that set it (issue 11 §3.5): Aria's own timers, set by the local
intent before Home Assistant is asked, follow the satellite that heard "set a timer"."""

from __future__ import annotations

from pathlib import Path

from .conftest import StartManager, StartSatellite
from .harness import ClipMaker, normalise
from .test_turns import ready, satellite_with_feeder


async def test_a_timer_set_in_the_kitchen_rings_in_the_kitchen_not_in_the_hall(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    kitchen, kitchen_mic = await satellite_with_feeder(start_satellite, tmp_path, "kitchen", "--wake-word", "none")
    hall, _ = await satellite_with_feeder(start_satellite, tmp_path, "hall", "--wake-word", "none")
    manager = await start_manager([kitchen.uri, hall.uri])
    await ready(manager, kitchen, "kitchen")
    await ready(manager, hall, "hall")
    kitchen_mic.say(clips.clip("timer_2s", 0.3, "Set a timer for two seconds.", 0.3))
    transcript = await kitchen.wait_event(lambda e: e["event"] == "transcript")
    assert "timer" in normalise(transcript["text"])
    ring = await kitchen.wait_event(lambda e: e["event"] == "timer-ring")
    assert ring["t_ns"] > transcript["t_ns"]
    # The timer was started on the kitchen only (two seconds before the ring, so a start sent to
    # the hall would be in its log by now), and only the kitchen rings.
    assert any("timer" in line and "started" in line for line in kitchen.lines), kitchen.lines[-20:]
    assert not any("timer" in line and "started" in line for line in hall.lines), hall.lines[-20:]
    assert not [e for e in hall.events() if e["event"] == "timer-ring"], hall.events()
