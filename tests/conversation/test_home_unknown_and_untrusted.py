"""A request refused or declined says its true reason: a device or area the home does not have is
said to be missing, never untrusted, and only an action that opens the house is refused as untrusted.

The real responder, Home Assistant's real templates (hassil + home-assistant-intents) and the test
home's registries (tests/home/registry.py) with an alarm panel in the Hall; Home Assistant is
configured at a real closed port on 127.0.0.1, so an action that is allowed reaches the point of
asking it and says it could not (the living Home Assistant is in tests/homeassistant). The
requester is anonymous (not trusted) unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.config import validate_tree
from aria_server.conversation import Agent, create_agent
from aria_server.conversation.responders.home import refused_call
from aria_server.home.directory import Snapshot, build_snapshot
from aria_server.tools.base import ToolCall
from tests.home.registry import AREAS, ENTITIES, EXPOSED, FLOORS, STATES
from tests.home.test_home_unreachable import closed_port

from .conftest import agent_settings

ALARM = {"entity_id": "alarm_control_panel.house", "name": "House Alarm", "area_id": "hall"}
UNREACHABLE = "I can't reach Home Assistant right now, so nothing was changed or checked."
CONFIRMATION = "that needs a spoken confirmation: ask me in so many words"


def home_with_an_alarm() -> Snapshot:
    exposed = {"exposed_entities": {**EXPOSED["exposed_entities"], ALARM["entity_id"]: {"conversation": True}}}
    states = [*STATES, {"entity_id": ALARM["entity_id"], "state": "armed_home", "attributes": {"friendly_name": "House Alarm"}}]
    return build_snapshot([], AREAS, [*ENTITIES, ALARM], exposed, states, FLOORS)


@pytest.fixture
async def agent(tmp_path: Path) -> AsyncIterator[Agent]:
    """No language model; Home Assistant configured where nothing answers; the home's registries read."""
    token = tmp_path / "ha-token"
    token.write_text("some-token")
    tree = agent_settings(tmp_path).model_dump(mode="json")
    tree["ha"] = {"url": f"http://127.0.0.1:{closed_port()}", "token_file": str(token), "timeout_s": 5, "mcp": "off"}
    agent = create_agent(validate_tree(tree))
    await agent.start()
    assert agent.home is not None
    agent.home.directory.snapshot = home_with_an_alarm()
    yield agent
    await agent.aclose()


async def reply(agent: Agent, text: str, conversation_id: str = "c-unknown") -> tuple[str, str]:
    """The spoken reply of an anonymous requester and the stored turn's source."""
    spoken = "".join([delta async for delta in agent.reply(conversation_id, text, language="en")])
    turns = await agent.store.recent_turns(conversation_id)
    return spoken, turns[-1].source


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Please set the sauna to 80 degrees.", "I couldn't find a device called sauna. Nothing was changed."),
        ("Turn on the jacuzzi.", "I couldn't find a device called jacuzzi. Nothing was changed."),
        ("Switch off the lights in the cinema room.", "I don't know an area called cinema room. Nothing was changed."),
    ],
)
async def test_a_command_for_what_the_home_does_not_have_says_so(agent: Agent, text: str, answer: str) -> None:
    spoken, source = await reply(agent, text)
    assert (spoken, source) == (answer, "home")


async def test_what_is_not_a_name_is_not_said_to_be_missing(agent: Agent) -> None:
    # The templates' wildcard would take these for names: they stay for the next responder.
    for text in ("Play some jazz.", "How do I clean my kitchen?", "What is the capital of France?"):
        spoken, _ = await reply(agent, text, f"c-{text}")
        assert "couldn't find a device" not in spoken and "area called" not in spoken, (text, spoken)


@pytest.mark.parametrize(
    "text", ["Set the thermostat to 21 degrees.", "Set the temperature in the hall to 21 degrees."]
)
async def test_an_untrusted_requester_may_set_a_thermostat_beside_an_alarm_panel(agent: Agent, text: str) -> None:
    """Setting a temperature reaches climate entities only: the Hall's alarm panel is not touched,
    so nothing is refused as untrusted and Home Assistant is asked (here: it is down, and says so)."""
    spoken, source = await reply(agent, text)
    assert (spoken, source) == (UNREACHABLE, "apology")


async def test_an_untrusted_requester_is_still_refused_what_opens_the_house(agent: Agent) -> None:
    spoken, source = await reply(agent, "Unlock the front door.")
    assert spoken == "I can't unlock the Front Door for this device: it isn't trusted for that. Nothing was changed."
    assert source == "guard"


async def test_a_name_the_home_has_is_not_said_to_be_missing(agent: Agent) -> None:
    # "hall" stands where the templates want a device name; the home has an area of that name.
    spoken, _ = await reply(agent, "Turn off the hall.")
    assert "couldn't find" not in spoken and "nothing was changed" in spoken.lower(), spoken


def test_a_tool_call_naming_what_the_home_does_not_have_is_refused_for_that_reason() -> None:
    home = home_with_an_alarm()
    for args in ({"name": "sauna"}, {"name": "sauna", "domain": ["lock"]}):
        assert refused_call(home, ToolCall("1", "HassTurnOn", args)) == "I couldn't find a device called sauna."
    reason = refused_call(home, ToolCall("2", "HassClimateSetTemperature", {"name": "sauna", "temperature": 80}))
    assert reason == "I couldn't find a device called sauna."
    assert refused_call(home, ToolCall("3", "HassTurnOff", {"area": "Cinema"})) == "I don't know an area called Cinema."


def test_a_tool_call_setting_a_temperature_or_reading_is_not_held_for_confirmation() -> None:
    home = home_with_an_alarm()
    for name, args in [
        ("HassClimateSetTemperature", {"name": "Thermostat", "temperature": 21}),
        ("HassClimateSetTemperature", {"temperature": 21}),  # the home's thermostat, not its alarm
        ("HassClimateSetTemperature", {"area": "Hall", "temperature": 21}),
        ("GetLiveContext", {}),
    ]:
        assert refused_call(home, ToolCall("1", name, args)) is None, (name, args)


def test_a_tool_call_that_could_open_the_house_still_needs_a_spoken_confirmation() -> None:
    home = home_with_an_alarm()
    for name, args in [
        ("HassTurnOff", {"name": "Front Door"}), ("HassTurnOn", {"name": "Garage Door"}),
        ("HassTurnOff", {"domain": ["lock"]}), ("HassTurnOn", {}), ("HassTurnOff", {"area": "Hall"}),
        ("call_service", {"domain": "cover", "service": "open_cover"}),
    ]:
        assert refused_call(home, ToolCall("1", name, args)) == CONFIRMATION, (name, args)
