"""Every answer about the home comes from the home (issue 21), against the tier's real Home Assistant.

Requests go through Aria's Wyoming ``handle`` (the official client; an anonymous client, not in
``--ha-trusted-clients``) or the dashboard's ``/ws`` (trusted: it passed the API's access rule).
Every state is read back over Home Assistant's REST API, never taken from the answer. Home
Assistant's own language understanding (hassil + home-assistant-intents) runs inside Aria; the
actions are Home Assistant's intent handlers (``/api/intent/handle``).
"""

from __future__ import annotations

import asyncio

from .conftest import Aria
from .harness import HomeAssistant
from .test_home_control import KITCHEN, LIVING_ROOM, ask, last_turn, set_light, state, until_state

FRONT_DOOR = "lock.front_door"
GARAGE = "cover.garage_door"
COFFEE = "switch.coffee_maker"


async def set_lock(ha: HomeAssistant, locked: bool) -> None:
    await ha.post(f"/api/services/lock/{'lock' if locked else 'unlock'}", {"entity_id": FRONT_DOOR})
    await until_state(ha, FRONT_DOOR, "locked" if locked else "unlocked")


async def set_garage(ha: HomeAssistant, open_: bool) -> None:
    await ha.post(f"/api/services/cover/{'open' if open_ else 'close'}_cover", {"entity_id": GARAGE})
    await until_state(ha, GARAGE, "open" if open_ else "closed")


async def say_on_dashboard(aria: Aria, ws: object, text: str) -> str:
    """One typed request on the dashboard's socket: the final answer."""
    await ws.send_json({"type": "text", "data": text, "timestamp": 1, "speak": False})  # type: ignore[attr-defined]
    async with asyncio.timeout(120):
        while not ((message := await ws.receive_json())["type"] == "response" and message["metadata"]["final"]):  # type: ignore[attr-defined]
            pass
    return str(message["data"]).strip()


async def test_colloquial_commands_are_carried_out_and_said_from_home_assistants_result(
    aria: Aria, home_assistant: HomeAssistant
) -> None:
    for text, entity, wanted in [
        ("Lights out in the kitchen.", KITCHEN, "off"),
        ("Could you switch on the living room light please?", LIVING_ROOM, "on"),
        ("Please turn off the living room lights.", LIVING_ROOM, "off"),
    ]:
        await set_light(home_assistant, entity, wanted != "on")
        answer, _ = await ask(aria, text)
        assert await state(home_assistant, entity) == wanted, (text, answer)
        verb = "Turned on" if wanted == "on" else "Turned off"
        assert answer.startswith(verb) and "light" in answer.lower(), (text, answer)
        assert (await last_turn(aria))["source"] == "home"


async def test_state_questions_are_answered_from_the_real_state_both_ways(aria: Aria, home_assistant: HomeAssistant) -> None:
    for locked in (True, False):
        await set_lock(home_assistant, locked)
        answer, _ = await ask(aria, "Is the front door locked?")
        assert answer.startswith("Yes" if locked else "No"), (locked, answer)
    await set_lock(home_assistant, True)
    for on in (True, False):
        await set_light(home_assistant, KITCHEN, on)
        await set_light(home_assistant, LIVING_ROOM, False)
        answer, _ = await ask(aria, "Which lights are on?")
        assert ("Kitchen light" in answer) is on and "Living room light" not in answer, (on, answer)


async def test_a_device_that_does_not_exist_changes_nothing_and_says_so(aria: Aria, home_assistant: HomeAssistant) -> None:
    await set_light(home_assistant, KITCHEN, False)
    answer, _ = await ask(aria, "Turn on the spaceship lights.")
    assert "nothing was changed" in answer.lower(), answer
    assert await state(home_assistant, KITCHEN) == "off"


async def test_an_ambiguous_name_is_asked_about_not_guessed(aria: Aria, home_assistant: HomeAssistant) -> None:
    await set_light(home_assistant, KITCHEN, False)
    await set_light(home_assistant, LIVING_ROOM, False)
    answer, _ = await ask(aria, "Turn on the reading lamp.")
    assert answer.startswith("Which one") and "Kitchen" in answer and "Living" in answer, answer
    assert await state(home_assistant, KITCHEN) == "off" and await state(home_assistant, LIVING_ROOM) == "off"


async def test_an_anonymous_client_cannot_unlock_or_open_the_house(aria: Aria, home_assistant: HomeAssistant) -> None:
    await set_lock(home_assistant, True)
    await set_garage(home_assistant, False)
    for text in ["Unlock the front door.", "Open the garage door."]:
        answer, _ = await ask(aria, text)
        assert "nothing was changed" in answer.lower(), (text, answer)
        answer, _ = await ask(aria, "Yes.")  # no question was open for it: nothing happens
    assert await state(home_assistant, FRONT_DOOR) == "locked"
    assert await state(home_assistant, GARAGE) == "closed"
    # Locking is not sensitive: anyone may lock up.
    await set_lock(home_assistant, False)
    answer, _ = await ask(aria, "Lock the front door.")
    assert await state(home_assistant, FRONT_DOOR) == "locked", answer


async def test_a_trusted_requester_unlocks_only_after_saying_yes(aria: Aria, home_assistant: HomeAssistant) -> None:
    await set_lock(home_assistant, True)
    async with aria.http.ws_connect("/ws") as ws:
        question = await say_on_dashboard(aria, ws, "Unlock the front door.")
        assert question.endswith("are you sure?"), question
        assert await state(home_assistant, FRONT_DOOR) == "locked", "nothing happens before the yes"
        answer = await say_on_dashboard(aria, ws, "No.")
        assert await state(home_assistant, FRONT_DOOR) == "locked", answer
        await say_on_dashboard(aria, ws, "Unlock the front door.")
        answer = await say_on_dashboard(aria, ws, "Yes.")
        assert await state(home_assistant, FRONT_DOOR) == "unlocked", answer
        assert answer == "Unlocked the Front door.", answer
    await set_lock(home_assistant, True)


async def test_an_instruction_hidden_in_a_device_name_causes_nothing(aria: Aria, home_assistant: HomeAssistant) -> None:
    await set_lock(home_assistant, True)
    await home_assistant.post("/api/services/switch/turn_off", {"entity_id": COFFEE})
    await until_state(home_assistant, COFFEE, "off")
    answer, _ = await ask(aria, "Tell me about the coffee maker.")
    assert answer == "The Coffee maker is off.", answer
    assert await state(home_assistant, FRONT_DOOR) == "locked"
    assert await state(home_assistant, COFFEE) == "off"
