"""Aria acts on the home through Home Assistant's own intent engine (issue 11 §3.1, the fast path).

Through Aria's Wyoming ``handle`` (the official client), against the tier's real Home Assistant:
the template lights' states are read back over Home Assistant's REST API, never taken from the
answer. Home Assistant 2025.4's ``/api/conversation/process`` carries no area, so "turn on the
light" from a kitchen satellite is not tested here (it needs ``assist_pipeline/run`` with a
device id).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from wyoming.asr import Transcript
from wyoming.client import AsyncUnixClient
from wyoming.handle import Handled, HandledChunk, NotHandled
from wyoming.info import Describe, Info

from .conftest import Aria
from .harness import HomeAssistant

KITCHEN = "light.kitchen_light"
LIVING_ROOM = "light.living_room_light"


async def ask(aria: Aria, text: str) -> tuple[str, float]:
    """One request through Aria's Wyoming ``handle``: the whole answer, and ms to its first chunk."""
    async with AsyncUnixClient(str(aria.wyoming_socket)) as client:
        sent = time.perf_counter()
        await client.write_event(Transcript(text=text, language="en").event())
        first: float | None = None
        async with asyncio.timeout(120):
            while True:
                event = await client.read_event()
                assert event is not None, "Aria closed the connection"
                if HandledChunk.is_type(event.type) and first is None:
                    first = time.perf_counter()
                if Handled.is_type(event.type):
                    text_out = Handled.from_event(event).text or ""
                    return text_out, ((first or time.perf_counter()) - sent) * 1000
                assert not NotHandled.is_type(event.type), NotHandled.from_event(event).text


async def state(ha: HomeAssistant, entity_id: str) -> str:
    return (await ha.get(f"/api/states/{entity_id}"))["state"]


async def set_light(ha: HomeAssistant, entity_id: str, on: bool) -> None:
    await ha.post(f"/api/services/light/turn_{'on' if on else 'off'}", {"entity_id": entity_id})
    await until_state(ha, entity_id, "on" if on else "off")


async def until_state(ha: HomeAssistant, entity_id: str, wanted: str) -> None:
    """Waits (a liveness bound, not a speed check) for the template light to follow its boolean."""
    async with asyncio.timeout(10):
        while await state(ha, entity_id) != wanted:
            await asyncio.sleep(0.05)


async def last_turn(aria: Aria) -> dict[str, Any]:
    async with aria.http.get("/conversations", params={"limit": "1"}) as response:
        latest = (await response.json())["conversations"][0]
    async with aria.http.get(f"/conversations/{latest['id']}") as response:
        return (await response.json())["turns"][-1]


async def health(http: aiohttp.ClientSession) -> dict[str, Any]:
    async with http.get("/health") as response:
        return await response.json()


async def test_aria_advertises_home_control_once_home_assistant_is_configured(aria: Aria) -> None:
    async with AsyncUnixClient(str(aria.wyoming_socket)) as client:
        await client.write_event(Describe().event())
        async with asyncio.timeout(30):
            event = await client.read_event()
    assert event is not None and Info.is_type(event.type)
    (program,) = Info.from_event(event).handle
    assert program.supports_home_control is True


async def test_turn_on_the_kitchen_lights_turns_on_the_kitchen_light_only(
    aria: Aria, home_assistant: HomeAssistant, timings: dict[str, Any]
) -> None:
    for _ in range(10):
        await set_light(home_assistant, KITCHEN, False)
        await set_light(home_assistant, LIVING_ROOM, False)
        answer, first_ms = await ask(aria, "Turn on the kitchen lights.")
        timings.setdefault("handle -> first chunk, turn on the kitchen lights (Home Assistant fast path)", []).append(first_ms)
        assert await state(home_assistant, KITCHEN) == "on", answer
        assert await state(home_assistant, LIVING_ROOM) == "off", answer
        assert answer and "can't" not in answer, answer
        turn = await last_turn(aria)
        assert turn["source"] == "home" and turn["reply_text"] == answer, turn


async def test_turn_on_the_kitchen_lights_typed_in_the_dashboard_turns_on_the_kitchen_light_only(
    aria: Aria, home_assistant: HomeAssistant
) -> None:
    await set_light(home_assistant, KITCHEN, False)
    await set_light(home_assistant, LIVING_ROOM, False)
    async with aria.http.ws_connect("/ws") as ws:
        await ws.send_json({"type": "text", "data": "Turn on the kitchen lights.", "timestamp": 1, "speak": False})
        async with asyncio.timeout(60):
            while not ((message := await ws.receive_json())["type"] == "response" and message["metadata"]["final"]):
                pass
    answer = message["data"]
    assert await state(home_assistant, KITCHEN) == "on", answer
    assert await state(home_assistant, LIVING_ROOM) == "off", answer
    turn = await last_turn(aria)
    assert turn["source"] == "home" and turn["reply_text"] == answer.strip(), turn


async def test_is_the_kitchen_light_on_is_answered_truly_both_ways(aria: Aria, home_assistant: HomeAssistant) -> None:
    for on in (True, False):
        await set_light(home_assistant, KITCHEN, on)
        answer, _ = await ask(aria, "Is the kitchen light on?")
        words = answer.lower().replace(",", " ").replace(".", " ").split()
        assert words and words[0] == ("yes" if on else "no"), (on, answer)


async def test_a_request_home_assistant_cannot_parse_goes_to_the_language_model(aria: Aria) -> None:
    answer, _ = await ask(aria, "Who wrote Romeo and Juliet?")
    turn = await last_turn(aria)
    assert answer and turn["source"] in ("llm", "fallback") and turn["backend"] != "home-assistant", turn


async def test_a_wrong_token_is_answered_clearly_and_shown_in_health(aria: Aria, home_assistant: HomeAssistant) -> None:
    good = aria.ha_token_file.read_text()
    await set_light(home_assistant, KITCHEN, False)
    try:
        aria.ha_token_file.write_text("not-a-valid-token")
        answer, _ = await ask(aria, "Turn on the kitchen lights.")
        assert "refused my access token" in answer, answer
        assert await state(home_assistant, KITCHEN) == "off"
        report = await health(aria.http)
        home = report["stages"]["home"]
        assert report["status"] == "degraded" and home["status"] == "degraded", report
        assert home["details"]["last_error_code"] == "home-unauthorized", home
        assert "not-a-valid-token" not in str(report) and good not in str(report)
        # Everything else keeps working: a local intent answers as before.
        answer, _ = await ask(aria, "What time is it?")
        assert ":" in answer or "o'clock" in answer.lower(), answer
    finally:
        aria.ha_token_file.write_text(good)
    answer, _ = await ask(aria, "Turn on the kitchen lights.")
    assert await state(home_assistant, KITCHEN) == "on", answer
    assert (await health(aria.http))["stages"]["home"]["status"] == "ok"
    assert good not in aria.process.log and "not-a-valid-token" not in aria.process.log
