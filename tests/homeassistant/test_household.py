"""Aria in a realistic home (``homes.py``: ~40 exposed entities in ten areas on two floors, with
aliases), against a real Home Assistant: commands carried out and read back over REST, questions
answered from the real states.

The household runs in a namespace of its own, beside the tier's normal home (which the other tier
tests rely on by name); Aria is asked over its Wyoming ``handle`` as an anonymous client, with the
tiny bundled model for the phrasing the templates miss.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncUnixClient
from wyoming.handle import Handled, NotHandled

from .harness import HomeAssistant, start_bridge
from .household import RunningHousehold, running_household, start_aria
from .test_home_control import state, until_state

PORT = 10412


@pytest.fixture(scope="module")
async def household(ha_workdir: Path, ha_release: str) -> AsyncIterator[RunningHousehold]:
    async with running_household(ha_release, ha_workdir / "household", "realistic") as running:
        yield running


@pytest.fixture(scope="module")
async def household_aria(household: RunningHousehold, ha_workdir: Path, gguf: Path) -> AsyncIterator[Path]:
    """Aria for the household (the tiny bundled model): the socket its Wyoming port is bridged to."""
    aria = await start_aria(
        household, ha_workdir / "household" / "aria", PORT, "--llm-backend", "embedded", "--llm-model", str(gguf)
    )
    socket_path = ha_workdir / "household" / "aria-wyoming.sock"
    try:
        bridge = await start_bridge(household.namespace, socket_path, PORT, "household aria bridge")
    except BaseException:
        await aria.stop()
        raise
    yield socket_path
    await bridge.stop()
    await aria.stop()


async def ask(socket_path: Path, text: str) -> str:
    """One request through Aria's Wyoming ``handle``: the whole answer."""
    async with AsyncUnixClient(str(socket_path)) as client:
        await client.write_event(Transcript(text=text, language="en").event())
        async with asyncio.timeout(180):
            while True:
                event = await client.read_event()
                assert event is not None, "Aria closed the connection"
                if Handled.is_type(event.type):
                    return Handled.from_event(event).text or ""
                if NotHandled.is_type(event.type):
                    return NotHandled.from_event(event).text or ""


async def call(ha: HomeAssistant, service: str, entity_id: str, wanted: str, **data: Any) -> None:
    """A service called over REST, then the entity's state awaited."""
    domain = entity_id.split(".", 1)[0]
    await ha.post(f"/api/services/{domain}/{service}", {"entity_id": entity_id, **data})
    await until_state(ha, entity_id, wanted)


async def attribute(ha: HomeAssistant, entity_id: str, name: str) -> Any:
    return (await ha.get(f"/api/states/{entity_id}"))["attributes"].get(name)


async def test_colloquial_commands_in_a_bigger_home_are_carried_out_and_read_back(
    household: RunningHousehold, household_aria: Path
) -> None:
    ha = household.ha
    await call(ha, "turn_on", "light.living_room_light", "on")
    await call(ha, "turn_on", "light.floor_lamp", "on")
    await call(ha, "turn_on", "light.kitchen_light", "on")
    # An area said by its alias ("lounge"): both of its lights, and no other room's.
    answer = await ask(household_aria, "Lights out in the lounge, please.")
    # Aria answers after Home Assistant carried it out and the states were read back.
    for entity_id, wanted in (("light.floor_lamp", "off"), ("light.living_room_light", "off"), ("light.kitchen_light", "on")):
        assert await state(ha, entity_id) == wanted, (entity_id, answer)
    assert answer.startswith("Turned off"), answer
    # A position said as words, on a device named by its alias.
    await call(ha, "open_cover", "cover.bedroom_blinds", "open")
    answer = await ask(household_aria, "Could you set the bedroom shades to thirty percent?")
    assert await attribute(ha, "cover.bedroom_blinds", "current_position") == 30, answer
    assert "30 percent" in answer, answer


async def test_questions_in_a_bigger_home_are_answered_from_the_real_state(
    household: RunningHousehold, household_aria: Path
) -> None:
    ha = household.ha
    for service, wanted, word in (("lock", "locked", "Yes"), ("unlock", "unlocked", "No")):
        await call(ha, service, "lock.back_door", wanted)
        answer = await ask(household_aria, "Is the back door locked?")
        assert answer.startswith(word), (wanted, answer)
    answer = await ask(household_aria, "What's the temperature in the bedroom?")
    reading = await state(ha, "sensor.bedroom_temperature")
    assert reading in answer and "Bedroom temperature" in answer, answer
