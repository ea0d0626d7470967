"""Home Assistant drives Aria's satellite: a spoken turn with Aria's pipeline, and an announcement."""

from __future__ import annotations

from .conftest import Satellite
from .harness import HomeAssistant, HomeAssistantWs

TURN_TIMEOUT_S = 120


async def test_home_assistant_runs_a_turn_on_arias_satellite_and_it_plays_the_reply(satellite: Satellite) -> None:
    assert satellite.entity.startswith("assist_satellite."), satellite.entities
    # The microphone file starts at Home Assistant's run-satellite; speech starts the turn.
    await satellite.process.wait_for_line(r"-> streaming", TURN_TIMEOUT_S)
    await satellite.process.wait_for_line(r"speaking -> waiting \(played\)", TURN_TIMEOUT_S)
    assert satellite.frames_played() > 0


async def test_the_satellite_sends_home_assistant_no_aria_only_events(
    home_assistant: HomeAssistant, satellite: Satellite
) -> None:
    """playback-started / streaming-started|stopped are for Aria's server (or an event service);
    Home Assistant logs every event type it does not handle from a satellite."""
    await satellite.process.wait_for_line(r"speaking -> waiting \(played\)", TURN_TIMEOUT_S)
    log = (home_assistant.config_dir / "home-assistant.log").read_text()
    unexpected = [line for line in log.splitlines() if "Unexpected event from satellite" in line]
    assert not [line for line in unexpected if any(t in line for t in ("playback-started", "streaming-st"))], unexpected


async def test_an_announcement_from_home_assistant_is_played_on_the_satellite(
    home_assistant: HomeAssistant, satellite: Satellite
) -> None:
    await satellite.process.wait_for_line(r"speaking -> waiting \(played\)", TURN_TIMEOUT_S)
    before_frames, before_lines = satellite.frames_played(), len(satellite.process.lines)
    await home_assistant.post(
        "/api/services/assist_satellite/announce", {"entity_id": satellite.entity, "message": "Dinner is ready."}
    )
    await satellite.process.wait_for_line(r"-> waiting \(played\)", TURN_TIMEOUT_S, after=before_lines)
    assert satellite.frames_played() > before_frames


async def test_a_timer_from_home_assistants_own_agent_reaches_the_satellite(
    home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, ha_agent_pipeline: str, satellite: Satellite
) -> None:
    """Home Assistant's agent sets timers on the device that heard the request and sends the
    satellite timer-started / timer-cancelled, as it does to the official satellite."""
    device_id = await home_assistant.device_of(ha_ws, satellite.entity)
    before = len(satellite.process.lines)
    started = await ha_ws.run_pipeline(
        start_stage="intent", end_stage="intent", input={"text": "set a timer for 5 minutes"},
        pipeline=ha_agent_pipeline, device_id=device_id,
    )
    assert started.first("intent-end")["intent_output"]["response"]["response_type"] == "action_done", started.events
    await satellite.process.wait_for_line(r"timer \S+ started \(300 s\)", TURN_TIMEOUT_S, after=before)
    await ha_ws.run_pipeline(
        start_stage="intent", end_stage="intent", input={"text": "cancel my timer"},
        pipeline=ha_agent_pipeline, device_id=device_id,
    )
    await satellite.process.wait_for_line(r"timer \S+ cancelled", TURN_TIMEOUT_S, after=before)


async def test_muting_in_home_assistant_pauses_the_satellite_and_unmuting_runs_it(
    home_assistant: HomeAssistant, satellite: Satellite
) -> None:
    mute = next(e for e in satellite.entities if e.startswith("switch.") and "mute" in e)
    await satellite.process.wait_for_line(r"speaking -> waiting \(played\)", TURN_TIMEOUT_S)
    before, ha_before = len(satellite.process.lines), len(home_assistant.process.lines)
    await home_assistant.post("/api/services/switch/turn_on", {"entity_id": mute})
    await satellite.process.wait_for_line(r"-> idle \(pause-satellite\)", TURN_TIMEOUT_S, after=before)
    # Home Assistant's satellite loop notices its own mute at the next ping (~2 s); unmuted
    # before that, it would carry on without a new run-satellite (its race, not the satellite's).
    await home_assistant.process.wait_for_line(r"Satellite is muted", TURN_TIMEOUT_S, after=ha_before)
    await home_assistant.post("/api/services/switch/turn_off", {"entity_id": mute})
    await satellite.process.wait_for_line(r"idle -> waiting \(run-satellite\)", TURN_TIMEOUT_S, after=before)
