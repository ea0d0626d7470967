"""Home Assistant's own templates (hassil + home-assistant-intents, the real packages) over the
home's names, the targets they resolve to, and the sentences said from Home Assistant's states."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aria_server.home import render
from aria_server.home.client import EntityState
from aria_server.home.safety import sensitive_targets, sensitive_verb
from aria_server.home.entities import HomeEntity
from aria_server.home.targets import Problem, Targets, resolve
from aria_server.home.understanding import HomeUnderstanding, IntentMatch

from .registry import home


@pytest.fixture(scope="module")
async def understanding() -> AsyncIterator[HomeUnderstanding]:
    loaded = HomeUnderstanding()
    await loaded.load()
    yield loaded
    loaded.close()


async def match(understanding: HomeUnderstanding, text: str, here: str | None = None) -> IntentMatch:
    found = await understanding.recognize(text, home(), here)
    assert found is not None, text
    return found


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("Set the hall lamp to 40 percent", "HassLightSet", {"name": "Hall Lamp", "brightness": 40}),
        ("Lights out in the hallway", "HassTurnOff", {"area": "Hall", "domain": "light"}),
        ("Could you please turn off the kitchen lights", "HassTurnOff", {"name": "Kitchen Lights"}),
        # The entity is "Kitchen Lights": the singular is the same name, matched to its real value.
        ("Is the kitchen light on?", "HassGetState", {"name": "Kitchen Lights", "state": "on"}),
        ("Which lights are on?", "HassGetState", {"domain": "light", "state": "on"}),
        ("Unlock the front door", "HassTurnOff", {"name": "Front Door"}),
        ("What is the temperature in the hall?", "HassClimateGetTemperature", {"area": "Hall"}),
    ],
)
async def test_home_assistants_templates_match_with_the_homes_names(
    understanding: HomeUnderstanding, text: str, intent: str, slots: dict[str, object]
) -> None:
    found = await match(understanding, text)
    assert found.intent == intent and {k: found.slots.get(k) for k in slots} == slots, found


async def test_what_the_templates_do_not_know_is_not_guessed(understanding: HomeUnderstanding) -> None:
    for text in ["Why is the sky blue?", "Turn on the cellar light", "Make the spaceship brighter"]:
        assert await understanding.recognize(text, home()) is None, text


async def test_the_light_means_the_one_in_the_room_it_was_asked_in(understanding: HomeUnderstanding) -> None:
    found = await match(understanding, "Turn on the lights", here="Bedroom")
    targets = resolve(found, home(), "Bedroom")
    assert [e.entity_id for e in targets.entities] == ["light.bedside"]


async def test_a_name_two_devices_share_is_a_question_unless_the_room_decides(understanding: HomeUnderstanding) -> None:
    found = await match(understanding, "Turn on the lamp")
    ambiguous = resolve(found, home())
    assert ambiguous.problem is Problem.AMBIGUOUS and len(ambiguous.candidates) == 2
    said = render.problem(ambiguous, found.slots, home().areas)
    assert said == "Which one do you mean: the Lamp in the Bedroom or the Lamp in the Hall? Nothing was changed."
    assert [e.entity_id for e in resolve(found, home(), "Hall").entities] == ["light.hall_reading"]


def states(**by_id: str) -> dict[str, EntityState]:
    return {entity_id.replace("__", "."): EntityState(entity_id.replace("__", "."), s, {}) for entity_id, s in by_id.items()}


async def test_state_answers_are_rendered_from_the_states_read(understanding: HomeUnderstanding) -> None:
    snapshot = home()
    question = await match(understanding, "Is the front door locked?")
    targets = resolve(question, snapshot)
    assert render.answer_query(question.response, question.slots, targets, states(lock__front="locked")) == (
        "Yes, the Front Door is locked."
    )
    assert render.answer_query(question.response, question.slots, targets, states(lock__front="unlocked")) == (
        "No, the Front Door is unlocked."
    )
    which = await match(understanding, "Which lights are on?")
    lights = resolve(which, snapshot)
    read = states(light__kitchen="on", light__hall_lamp="off", light__bedside="off", light__hall_reading="off")
    assert render.answer_query(which.response, which.slots, lights, read) == "The Kitchen Lights are on."
    assert render.answer_query(which.response, which.slots, lights, states()) == "No lights are on."


def test_an_action_is_said_from_home_assistants_result_and_the_state_read_back() -> None:
    snapshot = home()
    garage = next(e for e in snapshot.entities if e.entity_id == "cover.garage")
    assert render.action_done("HassTurnOff", {}, [garage], states(cover__garage="closed")) == "Closed the Garage Door."
    assert render.action_done("HassTurnOff", {}, [garage], states(cover__garage="closing")) == "Closing the Garage Door."
    assert render.action_done("HassTurnOff", {}, [garage], states(cover__garage="open")) == (
        "Home Assistant accepted the command, but the Garage Door still reports open."
    )
    assert render.action_done("HassTurnOff", {}, [], {}) == "Home Assistant did not change anything."


def test_a_door_or_window_sensor_is_said_open_or_closed_not_on_or_off() -> None:
    door = HomeEntity("binary_sensor.patio", "Patio door", device_class="door")
    window = HomeEntity("binary_sensor.bath", "Bathroom window", device_class="window")
    asked = {"name": "Patio door", "state": "on"}  # the templates' "is the patio door open"
    assert render.answer_query("one_yesno", asked, Targets((door,), named=True), states(binary_sensor__patio="on")) == (
        "Yes, the Patio door is open."
    )
    assert render.answer_query("one_yesno", asked, Targets((door,), named=True), states(binary_sensor__patio="off")) == (
        "No, the Patio door is closed."
    )
    both = Targets((door, window))
    read = states(binary_sensor__patio="off", binary_sensor__bath="on")
    assert render.answer_query("which", {"state": "on"}, both, read) == "The Bathroom window is open."


def test_a_yes_or_no_question_the_templates_missed_is_answered_yes_or_no_from_the_state() -> None:
    tv = HomeEntity("media_player.tv", "Living room TV", ("television",))
    assert render.states_asked("Is the television on?", [tv], states(media_player__tv="off")) == "No, the Living room TV is off."
    assert render.states_asked("Is the television on?", [tv], states(media_player__tv="on")) == "Yes, the Living room TV is on."
    assert render.states_asked("Tell me about the television.", [tv], states(media_player__tv="on")) == "The Living room TV is on."


def test_a_name_carrying_a_sentence_is_said_only_up_to_its_first_mark() -> None:
    coffee = next(e for e in home().entities if e.domain == "switch")
    assert render.states_said([coffee], states(switch__coffee="off")) == "The Coffee maker is off."


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("Unlock the front door", "unlock"),
        ("Open the garage door", "open"),
        ("Set the garage door to 50 percent", "open"),
        ("Lock the front door", None),
        ("Close the garage door", None),
        ("Open the bedroom blinds", None),
        ("Is the front door locked?", None),
    ],
)
async def test_sensitive_actions_are_known_by_their_targets(understanding: HomeUnderstanding, text: str, verb: str | None) -> None:
    found = await match(understanding, text)
    targets = resolve(found, home())
    assert sensitive_verb(found.intent, found.slots, targets.entities) == verb, (found, targets)


def test_a_sensitive_action_names_only_the_targets_that_make_it_so() -> None:
    """An area-wide turn-off (as the model's mapping may produce) unlocks the Hall's Front Door; the
    refusal or the confirmation names that, not the lamps and the thermostat beside it."""
    hall = resolve(IntentMatch("HassTurnOff", {"area": "Hall"}), home()).entities
    assert {e.entity_id for e in hall} > {"lock.front"}
    assert [e.entity_id for e in sensitive_targets("HassTurnOff", {}, hall)] == ["lock.front"]
    assert sensitive_targets("HassTurnOn", {}, hall) == ()  # turning on locks the door: nothing opens
