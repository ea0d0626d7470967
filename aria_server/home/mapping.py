"""Flexible phrasing through the model, constrained so it cannot invent: a request the templates
missed ("dim the hall lamp to 30 percent", "kill the porch light", "make the bedroom brighter")
mapped onto Home Assistant's intent schema.

    request + the relevant devices  ──model, decoded under a JSON schema──>  {"intent": "HassLightSet",
                                                                             "name": "Hall Lamp", "area": "",
                                                                             "domain": "light", "brightness": 30}

The schema's ``name``, ``area`` and ``domain`` are enumerations of the home's real exposed names
(llama.cpp turns it into a grammar; OpenAI-compatible servers and Ollama decode under it), so a
name that does not exist ("Light 1") cannot be produced. The prompt holds the request, the intents
and the devices whose words the request shares, not the whole home: it fits any home's size.

Precision before recall: the mapping is used only when the words of the device or area it names
are in the request (the model chose among names the user said, it did not pick one); otherwise
the answer is "I'm not sure which device you mean". The mapped intent is then carried out exactly
like a template match (``responders/home.py``): targets, safety, confirmation, Home Assistant.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import LlmError
from ..llm.base import ChatMessage
from .directory import Snapshot
from ..text import normalise
from .entities import HomeEntity
from .understanding import IntentMatch

_LOGGER = logging.getLogger(__name__)

INTENTS = {
    "HassTurnOn": "turn on, open, lock, start",
    "HassTurnOff": "turn off, close, unlock, stop",
    "HassLightSet": "set a light's brightness (percent)",
    "LightBrighter": "make lights brighter",
    "LightDimmer": "make lights dimmer",
    "HassSetPosition": "set a cover's position (percent open)",
    "HassGetState": "ask about a device's state",
    "none": "anything else, or not sure",
}
"""What the model may choose (LightBrighter/LightDimmer become HassLightSet from the read state)."""
LIGHT_INTENTS = frozenset({"HassLightSet", "LightBrighter", "LightDimmer"})
RELATIVE_INTENTS = frozenset({"LightBrighter", "LightDimmer"})
READ_ONLY_DOMAINS = frozenset({"sensor", "binary_sensor"})
"""Entities that can only be read: a model's action on one ("open the attic window" as the
bathroom's window sensor) is its confusion."""
ON_WORDS = frozenset({"on", "open", "lock", "start"})
OFF_WORDS = frozenset({"off", "close", "shut", "unlock", "stop", "kill", "out"})
"""The words that say which way a request goes (the intents' own descriptions)."""
KIND_WORDS = {
    "light": frozenset({"light", "lights", "lamp", "lamps"}), "fan": frozenset({"fan", "fans"}),
    "cover": frozenset({"blinds", "shades", "curtains", "shutters"}),
}
"""The words that name a kind of device (with a room: every one of that kind there)."""
MAX_SHOWN = 24
"""Most devices named in the prompt (the schema still allows every exposed name)."""
GENERIC = frozenset({
    "light", "lights", "lamp", "lamps", "switch", "door", "room", "main",
    "the", "a", "an", "and", "or", "of", "in", "on", "off", "to", "is", "it", "my", "me", "i", "you", "all",
})
"""Words of a name that do not tell one device from another."""

SYSTEM = (
    "You map a request about the home to one action. Reply with JSON only.\n"
    "Intents: {intents}.\n"
    "Use a name only when the request names that device, an area only when it names that area; "
    "otherwise leave them empty. percent is 0 unless the request says a number. "
    "Use intent \"none\" when unsure.\n"
    "Examples (other homes): \"switch off the desk light\" -> HassTurnOff, name Desk Light; "
    "\"make the office a bit dimmer\" -> LightDimmer, area Office, domain light; "
    "\"put the porch lamp at 20 percent\" -> HassLightSet, name Porch Lamp, percent 20.\n"
    "Areas: {areas}.\nDevices: {devices}."
)


class JsonModel(Protocol):
    """A backend that can answer under a JSON schema (``complete_json``)."""

    async def complete_json(self, messages: list[ChatMessage], schema: dict[str, Any], max_tokens: int = 96) -> str: ...


@dataclass(frozen=True)
class Mapping:
    """What the model made of a request: an intent to carry out, or why not."""

    match: IntentMatch | None
    reason: str = ""


class IntentMapper:
    """Maps requests onto Home Assistant's intents with a JSON-constrained model."""

    def __init__(self, model: JsonModel) -> None:
        self.model = model

    async def map(self, text: str, snapshot: Snapshot) -> Mapping:
        """The intent ``text`` asks for, checked against its own words; LlmError propagates."""
        shown = relevant(text, snapshot)
        messages: list[ChatMessage] = [
            {"role": "system", "content": prompt(snapshot, shown)},
            {"role": "user", "content": text},
        ]
        raw = await self.model.complete_json(messages, schema(snapshot))
        try:
            answer = json.loads(raw)
        except ValueError:
            return Mapping(None, f"unparsable: {raw[:80]!r}")
        return check(text, answer, snapshot)


def schema(snapshot: Snapshot) -> dict[str, Any]:
    """The JSON schema whose names are the home's exposed names and areas (and "")."""
    names = sorted({n for e in snapshot.entities for n in e.names})
    areas = sorted({n for a in snapshot.area_list for n in a.names})
    domains = sorted({e.domain for e in snapshot.entities})
    return {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": list(INTENTS)},
            "name": {"type": "string", "enum": [*names, ""]},
            "area": {"type": "string", "enum": [*areas, ""]},
            "domain": {"type": "string", "enum": [*domains, ""]},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        },
        "required": ["intent", "name", "area", "domain", "percent"],
        "additionalProperties": False,
    }


def prompt(snapshot: Snapshot, shown: list[HomeEntity]) -> str:
    areas = {a.id: a.name for a in snapshot.area_list}
    devices = "; ".join(
        f"{e.spoken} ({e.domain}{', ' + areas[e.area_id] if e.area_id in areas else ''})" for e in shown
    ) or "(none named)"
    intents = ", ".join(f"{k} ({v})" for k, v in INTENTS.items())
    return SYSTEM.format(intents=intents, areas=", ".join(a.name for a in snapshot.area_list) or "(none)", devices=devices)


def relevant(text: str, snapshot: Snapshot) -> list[HomeEntity]:
    """The devices that share a distinctive word with ``text`` (or sit in an area it names)."""
    said = _words(text)
    named_areas = {a.id for a in snapshot.area_list if any(_words(n) <= said for n in a.names)}
    scored = []
    for entity in snapshot.entities:
        overlap = max(len(_distinctive(n) & said - GENERIC) for n in entity.names)
        if overlap or entity.area_id in named_areas:
            scored.append((overlap, entity.area_id in named_areas, entity.entity_id, entity))
    scored.sort(key=lambda item: (-item[0], not item[1], item[2]))
    return [entity for *_, entity in scored[:MAX_SHOWN]]


def check(text: str, answer: Any, snapshot: Snapshot) -> Mapping:
    """The model's answer as an intent, when the request itself names what it chose."""
    if not isinstance(answer, dict) or answer.get("intent") not in INTENTS or answer["intent"] == "none":
        return Mapping(None, "no intent")
    said = _words(text)
    name, area, domain = str(answer.get("name") or ""), str(answer.get("area") or ""), str(answer.get("domain") or "")
    intent = _direction(text, str(answer["intent"]))
    if name and not _distinctive(name) & said:
        # "kill the lights in the lounge" mapped onto one light: the request named its room and kind.
        name, area, domain = _room_and_kind(name, said, snapshot) or (name, area, domain)
        if name:
            return Mapping(None, f"the request does not name {name!r}")
    area_said = any(_words(n) <= said for a in snapshot.area_list if area in a.names for n in a.names)
    if name:
        named = [e for e in snapshot.entities if name in e.names]
        if intent != "HassGetState" and named and all(e.domain in READ_ONLY_DOMAINS for e in named):
            return Mapping(None, f"{name!r} can only be read")
        # A named device is its own kind and place: the model's area and domain only narrow
        # wrongly ("Bedroom Blinds" as a light), so only an area the request says is kept.
        domain = ""
        area = area if area_said else ""
    elif area and not area_said:
        return Mapping(None, f"the request does not name the area {area!r}")
    if not name and not area:
        # A kind alone ("turn on the porch light" as every light) would act on the whole home.
        return Mapping(None, "no device or area named")
    if intent in LIGHT_INTENTS:
        # Brightness is a light's. A name that is not a light's is the model's confusion when the
        # request did not say that device ("make the bedroom brighter": the room's lights), but a
        # device it did say ("the ceiling fan in the bedroom") is not a light: nothing to set.
        if name and not any(e.domain == "light" and name in e.names for e in snapshot.entities):
            if _own_words(name, area, snapshot) & said:
                return Mapping(None, f"{name!r} is not a light")
            name = ""
        domain = "light"
        if not name and not area:
            return Mapping(None, "no light named")
    slots: dict[str, Any] = {key: value for key, value in (("name", name), ("area", area), ("domain", domain)) if value}
    percent = answer.get("percent")
    if intent in RELATIVE_INTENTS and isinstance(percent, int) and percent > 0 and _says_number(text, percent):
        intent = "HassLightSet"  # "dim the desk lamp to thirty percent" sets a level, not a step
    if intent in ("HassLightSet", "HassSetPosition"):
        if not isinstance(percent, int) or not _says_number(text, percent):
            return Mapping(None, "a number the request does not say")
        slots["brightness" if intent == "HassLightSet" else "position"] = percent
    response = "one" if intent == "HassGetState" else "default"
    return Mapping(IntentMatch(intent, slots, response))


def _direction(text: str, intent: str) -> str:
    """HassTurnOn or HassTurnOff as the request's own words say it, when they say only one way
    ("please unlock the front door" is never HassTurnOn, whatever the model answered)."""
    if intent not in ("HassTurnOn", "HassTurnOff"):
        return intent
    said = set(normalise(text).split())
    on, off = bool(said & ON_WORDS), bool(said & OFF_WORDS)
    if on != off:
        return "HassTurnOn" if on else "HassTurnOff"
    return intent


def _room_and_kind(name: str, said: set[str], snapshot: Snapshot) -> tuple[str, str, str] | None:
    """("", area, domain) when the request says the named device's room and kind but not its name."""
    entity = next((e for e in snapshot.entities if name in e.names), None)
    if entity is None or not KIND_WORDS.get(entity.domain, frozenset()) & said:
        return None
    area = next((a for a in snapshot.area_list if a.id == entity.area_id), None)
    if area is None or not any(_words(n) <= said for n in area.names):
        return None
    return "", area.name, entity.domain


def _own_words(name: str, area: str, snapshot: Snapshot) -> set[str]:
    """The words of a device's name that are not its area's ("Ceiling fan" in the Bedroom: both)."""
    area_words = {w for a in snapshot.area_list if area in a.names or a.name in name for n in a.names for w in _words(n)}
    return _distinctive(name) - area_words


def _says_number(text: str, number: int) -> bool:
    """Whether ``text`` says ``number``, in digits or in words ("30", "thirty")."""
    if str(number) in text:
        return True
    from unicode_rbnf import RbnfEngine  # hassil's own number speller, installed with it

    spelled = RbnfEngine.for_language("en").format_number(number).text
    return f" {normalise(spelled)} " in f" {normalise(text)} "


def _words(text: str) -> set[str]:
    words = set(normalise(text).split())
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def _distinctive(name: str) -> set[str]:
    return (_words(name) - GENERIC) or _words(name)
