"""Sentences about the home, rendered from Home Assistant's results and the entities' real states.

Nothing here takes words from a language model: an action is said with the targets Home Assistant
reports it acted on, checked against the states read back afterwards; a question is answered from
the states read at that moment. English (the templates Aria loads are English).

    HassTurnOff, success [light.kitchen], read back off  -> "Turned off the Kitchen light."
    HassTurnOff, success [cover.garage], read back open  -> "Home Assistant accepted it, but the
                                                            Garage door still reports open."
    HassGetState one_yesno {state: locked}, unlocked     -> "No, the Front door is unlocked."
    HassGetState which {domain: light, state: on}, none  -> "No lights are on."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..text import words
from .client import EntityState
from .entities import HomeEntity
from .targets import Problem, Targets

PAST = {
    ("HassTurnOn", "lock"): "Locked", ("HassTurnOff", "lock"): "Unlocked",
    ("HassTurnOn", "cover"): "Opened", ("HassTurnOff", "cover"): "Closed",
    ("HassTurnOn", "valve"): "Opened", ("HassTurnOff", "valve"): "Closed",
    ("HassTurnOn", "button"): "Pressed", ("HassTurnOn", "scene"): "Activated", ("HassTurnOn", "script"): "Ran",
}
"""Past-tense verbs where "turned on/off" is not what the domain says."""
MOVING = {"opening": "Opening", "closing": "Closing", "locking": "Locking", "unlocking": "Unlocking"}
EXPECTED = {
    "HassTurnOn": {"on", "open", "opening", "locked", "locking", "playing", "heat", "cool", "auto", "heat_cool"},
    "HassTurnOff": {"off", "closed", "closing", "unlocked", "unlocking", "idle", "paused", "standby"},
}
"""States that show an on/off-type action took effect (other domains are not read back)."""
CHECKED_DOMAINS = frozenset({"light", "switch", "fan", "lock", "cover", "input_boolean", "valve", "siren"})
BINARY_WORDS = {
    "door": ("open", "closed"), "window": ("open", "closed"), "garage_door": ("open", "closed"),
    "opening": ("open", "closed"), "lock": ("unlocked", "locked"), "moisture": ("wet", "dry"),
    "motion": ("detecting motion", "clear"), "occupancy": ("occupied", "clear"), "presence": ("home", "away"),
}
"""A binary sensor's on/off in the words of its device class (Home Assistant's own frontend's):
the Patio door is "open", not "on"."""


def names(entities: Sequence[HomeEntity]) -> str:
    """ "the Kitchen light", "the Kitchen light and the Hall lamp", "... , ... and ..." """
    spoken = [f"the {e.spoken}" for e in entities]
    return spoken[0] if len(spoken) == 1 else f"{', '.join(spoken[:-1])} and {spoken[-1]}"


def is_(entity: HomeEntity) -> str:
    """ "is" or "are" for a name ("the Kitchen Lights are off")."""
    last = entity.spoken.split()[-1].lower() if entity.spoken.split() else ""
    return "are" if last.endswith("s") and not last.endswith("ss") else "is"


def describe(entity: HomeEntity, state: EntityState | None) -> str:
    """An entity's state in words ("on", "locked", "21.5 °C", "unavailable")."""
    if state is None or state.state in ("unavailable", "unknown"):
        return "unavailable"
    if entity.domain == "climate":
        current = state.attributes.get("current_temperature")
        mode = state.state.replace("_", " ")
        return f"set to {mode}, at {current:g} degrees" if isinstance(current, (int, float)) else f"set to {mode}"
    unit = state.attributes.get("unit_of_measurement")
    return f"{state.state} {unit}" if unit else state_word(entity, state.state)


YES_NO_STATES = frozenset({"on", "off", "open", "closed", "locked", "unlocked", "playing", "paused", "idle"})
"""States a yes-or-no question may end with ("is the TV on?") and be answered yes or no."""


def state_word(entity: HomeEntity, state: str) -> str:
    """A state as said: a binary sensor's on/off by its device class, else the state itself."""
    words = BINARY_WORDS.get(entity.device_class or "") if entity.domain == "binary_sensor" else None
    if words is not None and state in ("on", "off"):
        return words[0] if state == "on" else words[1]
    return state.replace("_", " ")


def action_done(
    intent: str, slots: Mapping[str, object], acted: Sequence[HomeEntity], after: Mapping[str, EntityState],
    failed: Sequence[HomeEntity] = (),
) -> str:
    """What was done, said from Home Assistant's success list and the states read back."""
    if not acted:
        reason = f" {_capital(names(failed))} did not respond." if failed else ""
        return f"Home Assistant did not change anything.{reason}"
    sentence = _done_sentence(intent, slots, acted, after)
    lagging = [e for e in acted if _not_yet(intent, e, after.get(e.entity_id))]
    if lagging:
        states = "; ".join(f"the {e.spoken} still reports {describe(e, after.get(e.entity_id))}" for e in lagging)
        sentence = f"Home Assistant accepted the command, but {states}."
    if failed:
        sentence += f" {_capital(names(failed))} did not respond."
    return sentence


def _done_sentence(intent: str, slots: Mapping[str, object], acted: Sequence[HomeEntity], after: Mapping[str, EntityState]) -> str:
    target = names(acted)
    if intent == "HassLightSet":
        if "brightness" in slots:
            return f"Set {target} to {_number(slots['brightness'])} percent."
        if "color" in slots:
            return f"Set {target} to {slots['color']}."
        return f"Set {target}."
    if intent in ("HassSetPosition", "HassFanSetSpeed", "HassSetVolume"):
        value = slots.get("position", slots.get("percentage", slots.get("volume_level")))
        return f"Set {target} to {_number(value)} percent."
    if intent == "HassClimateSetTemperature":
        return f"Set {target} to {_number(slots.get('temperature'))} degrees."
    if intent == "HassToggle":
        return f"Toggled {target}."
    moving = {MOVING[s.state] for e in acted if (s := after.get(e.entity_id)) is not None and s.state in MOVING}
    if len(moving) == 1:
        return f"{moving.pop()} {target}."
    verbs = {PAST.get((intent, e.domain), "Turned on" if intent == "HassTurnOn" else "Turned off") for e in acted}
    verb = verbs.pop() if len(verbs) == 1 else ("Turned on" if intent == "HassTurnOn" else "Turned off")
    return f"{verb} {target}."


def _not_yet(intent: str, entity: HomeEntity, state: EntityState | None) -> bool:
    """Whether the read-back state contradicts an on/off-type action Home Assistant reported done."""
    expected = EXPECTED.get(intent)
    if expected is None or entity.domain not in CHECKED_DOMAINS or state is None:
        return False
    return state.state not in expected


def answer_query(response: str, slots: Mapping[str, object], targets: Targets, states: Mapping[str, EntityState]) -> str:
    """The answer to a state question, from the states read now (``response``: the template's kind)."""
    entities = list(targets.entities)
    wanted = {str(s) for s in _as_list(slots.get("state"))}
    if not wanted:
        return states_said(entities, states)
    matched = [e for e in entities if (s := states.get(e.entity_id)) is not None and s.state in wanted]
    unmatched = [e for e in entities if e not in matched]
    word = " or ".join(sorted(_common_word(entities, w) for w in wanted))
    if response in ("one_yesno", "one") and len(entities) == 1:
        entity = entities[0]
        if matched:
            return f"Yes, {names([entity])} {is_(entity)} {word}."
        return f"No, {names([entity])} {is_(entity)} {describe(entity, states.get(entity.entity_id))}."
    kind = _kind(entities, slots, targets)
    if response == "how_many":
        return f"{len(matched)} {kind if len(matched) != 1 else _singular(kind)} {'are' if len(matched) != 1 else 'is'} {word}."
    if response == "all":
        if not unmatched:
            return f"Yes, all {kind} are {word}."
        return f"No, {names(unmatched)} {'is' if len(unmatched) == 1 else 'are'} not {word}."
    if not matched:
        return f"No {kind} {'is' if kind == 'devices' else 'are'} {word}." if response != "any" else f"No, no {_singular(kind)} is {word}."
    verb = is_(matched[0]) if len(matched) == 1 else "are"
    lead = "Yes, " if response == "any" else ""
    text = f"{names(matched)} {verb} {word}."
    return lead + text if lead else _capital(text)


def _common_word(entities: Sequence[HomeEntity], state: str) -> str:
    """A state in the targets' own words when they all say it alike (doors and windows: "open",
    not "on"), else as Home Assistant names it."""
    said = {state_word(e, state) for e in entities}
    return said.pop() if len(said) == 1 else state.replace("_", " ")


def states_asked(text: str, entities: Sequence[HomeEntity], states: Mapping[str, EntityState]) -> str:
    """The states of the devices a question names; a yes-or-no question about one device
    ("is the television on?") answered yes or no first, from the state read."""
    said = words(text)
    if len(entities) == 1 and len(said) > 2 and said[0] in ("is", "are") and said[-1] in YES_NO_STATES:
        entity = entities[0]
        now = describe(entity, states.get(entity.entity_id))
        if now in YES_NO_STATES:
            return f"{'Yes' if now == said[-1] else 'No'}, {names([entity])} {is_(entity)} {now}."
    return states_said(entities, states)


def states_said(entities: Sequence[HomeEntity], states: Mapping[str, EntityState]) -> str:
    """ "The Kitchen Lights are off. The Front Door is locked." """
    return " ".join(f"{_capital(names([e]))} {is_(e)} {describe(e, states.get(e.entity_id))}." for e in entities)


def temperature(targets: Targets, states: Mapping[str, EntityState]) -> str:
    """The temperature a climate entity or temperature sensor reports."""
    for entity in targets.entities:
        state = states.get(entity.entity_id)
        if state is None:
            continue
        value = state.attributes.get("current_temperature") if entity.domain == "climate" else state.state
        try:
            degrees = float(str(value))
        except ValueError:
            continue
        where = f" in the {targets.area.name}" if targets.area is not None else ""
        return f"It is {degrees:g} degrees{where}, says {names([entity])}."
    return "No thermostat or temperature sensor there reports a temperature right now."


def problem(targets: Targets, slots: Mapping[str, object], areas: Mapping[str, str] | None = None) -> str:
    """Why nothing was done or answered, plainly (``areas``: area id -> name, for "which one?")."""
    if targets.problem is Problem.AMBIGUOUS:
        areas = areas or {}
        where = [
            f"the {e.spoken}" + (f" in the {areas[e.area_id]}" if e.area_id in areas else " with no area")
            for e in targets.candidates
        ]
        return f"Which one do you mean: {', '.join(where[:-1])} or {where[-1]}? Nothing was changed."
    if targets.problem is Problem.NO_SUCH_AREA:
        return f"I don't know an area called {slots.get('area')}. Nothing was changed."
    if targets.problem is Problem.NO_SUCH_NAME:
        return f"I couldn't find a device called {slots.get('name')}. Nothing was changed."
    where = f" in the {targets.area.name}" if targets.area is not None else ""
    return f"I couldn't find a device like that{where}. Nothing was changed."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _kind(entities: Sequence[HomeEntity], slots: Mapping[str, object], targets: Targets) -> str:
    domains = {e.domain for e in entities} or {str(d) for d in _as_list(slots.get("domain"))}
    word = {"light": "lights", "lock": "locks", "cover": "covers", "fan": "fans", "switch": "switches"}
    kind = word.get(next(iter(domains)), "devices") if len(domains) == 1 else "devices"
    return f"{kind} in the {targets.area.name}" if targets.area is not None else kind


def _singular(kind: str) -> str:
    head, _, rest = kind.partition(" ")
    single = head[:-2] if head.endswith("ches") else head[:-1]
    return f"{single} {rest}".strip()


def _number(value: object) -> str:
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return str(value)


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]
