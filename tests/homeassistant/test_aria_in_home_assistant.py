"""Home Assistant uses Aria: the Wyoming config flow, and pipelines with Aria's STT, agent and TTS."""

from __future__ import annotations

from typing import Any

from .conftest import AriaEntry
from .harness import HomeAssistant, HomeAssistantWs


async def test_the_config_flow_creates_stt_tts_and_conversation_entities(
    home_assistant: HomeAssistant, aria_entry: AriaEntry
) -> None:
    assert aria_entry.entry["title"]
    for entity_id in (aria_entry.stt, aria_entry.tts, aria_entry.conversation):
        state = await home_assistant.get(f"/api/states/{entity_id}")
        assert state["state"] != "unavailable", state


async def test_a_text_pipeline_is_answered_by_aria(
    ha_ws: HomeAssistantWs, aria_pipeline: str, timings: dict[str, Any]
) -> None:
    run = await ha_ws.run_pipeline(start_stage="intent", end_stage="tts", input={"text": "What time is it?"}, pipeline=aria_pipeline)
    assert "error" not in run.types(), run.events
    assert run.types()[-1] == "run-end"
    assert ":" in run.speech or "o'clock" in run.speech.lower(), run.speech
    assert run.first("tts-end")["tts_output"]["url"]
