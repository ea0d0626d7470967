"""A whole device command ends the turn early like a local intent, when Home Assistant is
configured and answering (``turn_taking.RequestShape.is_whole_request``): a device command (English), not stopping
mid-sentence, naming only what Home Assistant knows — or nothing, from a satellite that stands for
a Home Assistant device. The registries are fed as Home Assistant 2025.4 sends them (the shapes of
tests/home/test_satellite_rooms.py); nothing here talks to Home Assistant (the real one ends a
spoken turn early in tests/homeassistant/test_home_area.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aria_server.config import validate_tree
from aria_server.conversation import Agent, create_agent
from aria_server.home.client import HomeStatus
from aria_server.home.directory import Snapshot, build_snapshot
from aria_server.turn_taking.shape import RequestShape
from tests.home.test_satellite_rooms import AREAS, DEVICES, ENTITIES, EXPOSED, STATES


def whole(agent: Agent, text: str, language: str | None = None, satellite: str | None = None) -> bool:
    """What the turn-taking asks of a pause's words, over this agent's intents and home."""
    return RequestShape(agent.intents, agent.home).is_whole_request(text, language, satellite)


def _agent(tmp_path: Path, *, home: bool = True) -> Agent:
    """No language model; ``home``: Home Assistant configured (at an address nothing is asked)."""
    return create_agent(validate_tree({
        "data_dir": str(tmp_path), "zeroconf": False, "llm": {"backend": "none"},
        **({"ha": {"url": "http://127.0.0.1:9", "mcp": "off"}} if home else {}),
        "satellites": {"areas": ["den-aria=Kitchen", "hall-aria=Hall"]},
    }))


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Agent]:
    """An agent with Home Assistant configured, its registries read (kitchen-satellite is a device)."""
    agent = _agent(tmp_path)
    assert agent.home is not None
    agent.home.directory.snapshot = build_snapshot(DEVICES, AREAS, ENTITIES, EXPOSED, STATES)
    yield agent


def test_a_device_command_naming_a_known_light_is_whole(agent: Agent) -> None:
    assert whole(agent, "Turn on the kitchen light.")
    assert whole(agent, "turn off the living room lights", "en-US")
    assert whole(agent, "Switch the sofa light off.")


def test_local_intents_are_still_whole(agent: Agent) -> None:
    assert whole(agent, "What time is it?")


def test_the_light_with_no_name_is_whole_only_from_a_satellite_with_a_device(agent: Agent) -> None:
    assert whole(agent, "Turn on the light.", satellite="kitchen-satellite")  # a device so named
    assert whole(agent, "Turn off the lights.", satellite="den-aria")  # a device in its area
    assert not whole(agent, "Turn on the light.")  # no room: Home Assistant could not narrow it
    assert not whole(agent, "Turn on the light.", satellite="attic-aria")  # no device found
    assert not whole(agent, "Turn on the light.", satellite="hall-aria")  # an area with no device


def test_a_command_naming_what_home_assistant_does_not_know_is_not_whole(agent: Agent) -> None:
    assert not whole(agent, "Turn on the spaceship.", satellite="kitchen-satellite")
    assert not whole(agent, "Turn on the pump.")  # an entity not exposed to Assist


def test_a_quick_transcript_that_repeats_itself_is_not_whole(agent: Agent) -> None:
    # What the quick pass heard in the tier's "Turn on the light." clip; the full decode must run.
    assert not whole(agent, "Turn on the light. Turn on on the lights.", satellite="kitchen-satellite")


def test_a_command_stopping_mid_sentence_is_not_whole(agent: Agent) -> None:
    assert not whole(agent, "Turn on the kitchen light and")
    assert not whole(agent, "Set the kitchen light to")


def test_what_is_not_a_device_command_is_not_whole(agent: Agent) -> None:
    assert not whole(agent, "Is the kitchen light on?")  # a question: the full decode
    assert not whole(agent, "Kitchen light.")
    assert not whole(agent, "Tell me about the kitchen light")


def test_other_languages_are_not_judged(agent: Agent) -> None:
    assert not whole(agent, "Turn on the kitchen light.", "de")


def test_nothing_is_whole_before_the_registries_are_read_or_while_home_assistant_fails(tmp_path: Path) -> None:
    agent = _agent(tmp_path)
    assert agent.home is not None
    assert not whole(agent, "Turn on the kitchen light.")  # not loaded yet
    agent.home.directory.snapshot = build_snapshot(DEVICES, AREAS, ENTITIES, EXPOSED, STATES)
    assert whole(agent, "Turn on the kitchen light.")
    agent.home.state = HomeStatus("degraded", "down", "home-unreachable", 0.0)
    assert not whole(agent, "Turn on the kitchen light.")
    assert whole(agent, "What time is it?")


def test_without_home_assistant_a_device_command_is_not_whole(tmp_path: Path) -> None:
    agent = _agent(tmp_path, home=False)
    assert agent.home is None
    assert not whole(agent, "Turn on the kitchen light.")
    assert whole(agent, "What time is it?")


def test_a_failing_check_only_costs_the_early_end(agent: Agent) -> None:
    """The pipeline asks this on the event loop at every pause: it answers, never raises."""
    assert agent.home is not None
    # A snapshot broken on purpose (names that are no set): the check raises inside.
    agent.home.directory.snapshot = Snapshot(known=None, loaded_at=1.0)  # type: ignore[arg-type]
    assert whole(agent, "Turn on the kitchen light.") is False
    assert whole(agent, "What time is it?") is True


def test_a_name_counts_once_the_refreshed_registries_have_it(agent: Agent) -> None:
    """The directory replaces its snapshot whole on a registry event: new names count from then on."""
    assert agent.home is not None
    assert not whole(agent, "Turn on the attic lights.")
    areas = [*AREAS, {"area_id": "attic", "name": "Attic", "aliases": ["Loft"]}]
    agent.home.directory.snapshot = build_snapshot(DEVICES, areas, ENTITIES, EXPOSED, STATES)
    assert whole(agent, "Turn on the attic lights.")
    assert whole(agent, "Turn off the loft lights.")
