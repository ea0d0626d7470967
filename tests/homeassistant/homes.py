"""The tier's bigger homes: a realistic household and a 300-entity variant of it.

The tier's normal home (``harness.CONFIGURATION``) has a handful of entities, which every tier
test relies on by name. These homes add to it (never rename), through a Home Assistant package
(``packages/household.yaml``, merged with the main configuration by Home Assistant itself):

    realistic   ~40 exposed entities in 10 areas on 2 floors, with aliases: on/off and dimmable
                lights, switches, two locks, a garage door and two blinds, three fans, a
                thermostat, a TV, temperature and humidity sensors, door and window sensors.
    large       the realistic home plus 260 lights in ten more areas (~300 exposed): the home of
                issue 21, whose tool prompt no longer fits a 4,096-token model.

Config-only integrations, as the normal home: ``template`` entities backed by ``input_boolean`` and
``input_number`` helpers (so a state set over REST is a real state change, read back over REST),
``generic_thermostat`` for the climate entity and ``universal`` for the media player. The
package is written as JSON, which YAML reads as it is: no quoting of the templates to get wrong.
Starting the realistic home costs Home Assistant a second or two more; the large one ~10 s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HOMES = ("realistic", "large")


@dataclass(frozen=True)
class Thing:
    """One exposed entity of the household: its id, name, area, aliases and how it is built."""

    entity_id: str
    name: str
    area: str
    aliases: tuple[str, ...] = ()
    device_class: str | None = None
    level: bool = False
    """A dimmable light, a positioned cover, a fan with a speed: backed by an input_number too."""
    value: str | None = None
    """A sensor's constant reading."""

    @property
    def slug(self) -> str:
        return self.entity_id.split(".", 1)[1]

    def domain_is(self, domain: str) -> bool:
        return self.entity_id.split(".", 1)[0] == domain


FLOORS: dict[str, tuple[str, ...]] = {"Ground Floor": ("downstairs",), "First Floor": ("upstairs",)}
AREAS = {
    # area: (floor, aliases). Kitchen, Living Room and Hallway already exist in the normal home.
    "Kitchen": ("Ground Floor", ()),
    "Living Room": ("Ground Floor", ("lounge",)),
    "Hallway": ("Ground Floor", ("hall",)),
    "Dining Room": ("Ground Floor", ()),
    "Garage": ("Ground Floor", ()),
    "Bedroom": ("First Floor", ("master bedroom",)),
    "Nursery": ("First Floor", ("kids room",)),
    "Bathroom": ("First Floor", ()),
    "Office": ("First Floor", ("study",)),
    "Garden": (None, ("outside",)),
}
NORMAL_HOME = {
    # The normal home's entities (harness.CONFIGURATION), put in the household's areas.
    "light.kitchen_light": "Kitchen", "light.living_room_light": "Living Room", "lock.front_door": "Hallway",
    "cover.garage_door": "Garage", "switch.coffee_maker": "Kitchen",
}
THINGS = (
    Thing("light.kitchen_spotlights", "Kitchen spotlights", "Kitchen", level=True),
    Thing("light.floor_lamp", "Floor lamp", "Living Room", ("standing lamp",), level=True),
    Thing("light.hallway_light", "Hallway light", "Hallway"),
    Thing("light.stair_light", "Stair light", "Hallway", ("landing light",)),
    Thing("light.dining_light", "Dining table light", "Dining Room", ("chandelier",), level=True),
    Thing("light.garage_light", "Garage light", "Garage"),
    Thing("light.bedside_lamp", "Bedside lamp", "Bedroom", level=True),
    Thing("light.bedroom_light", "Bedroom light", "Bedroom"),
    Thing("light.night_light", "Night light", "Nursery", level=True),
    Thing("light.bathroom_light", "Bathroom light", "Bathroom"),
    Thing("light.desk_lamp", "Desk lamp", "Office", level=True),
    Thing("light.garden_lights", "Garden lights", "Garden", ("outdoor lights",)),
    Thing("switch.towel_warmer", "Towel warmer", "Bathroom"),
    Thing("switch.printer", "Printer", "Office"),
    Thing("switch.sprinkler", "Sprinkler", "Garden", ("lawn sprinkler",)),
    Thing("switch.patio_heater", "Patio heater", "Garden"),
    Thing("lock.back_door", "Back door", "Kitchen"),
    Thing("cover.living_room_blinds", "Living room blinds", "Living Room", device_class="blind", level=True),
    Thing("cover.bedroom_blinds", "Bedroom blinds", "Bedroom", ("bedroom shades",), device_class="blind", level=True),
    # Two ceiling fans: "the ceiling fan" is ambiguous without a room.
    Thing("fan.bedroom_ceiling_fan", "Ceiling fan", "Bedroom", level=True),
    Thing("fan.office_ceiling_fan", "Ceiling fan", "Office", level=True),
    Thing("fan.extractor_fan", "Extractor fan", "Bathroom"),
    Thing("media_player.living_room_tv", "Living room TV", "Living Room", ("television",)),
    Thing("climate.thermostat", "Thermostat", "Living Room", ("heating",)),
    Thing("sensor.living_room_temperature", "Living room temperature", "Living Room", device_class="temperature", value="21.5"),
    Thing("sensor.bedroom_temperature", "Bedroom temperature", "Bedroom", device_class="temperature", value="18.5"),
    Thing("sensor.nursery_temperature", "Nursery temperature", "Nursery", device_class="temperature", value="20"),
    Thing("sensor.garden_temperature", "Outdoor temperature", "Garden", device_class="temperature", value="7.5"),
    Thing("sensor.bathroom_humidity", "Bathroom humidity", "Bathroom", device_class="humidity", value="64"),
    Thing("sensor.living_room_humidity", "Living room humidity", "Living Room", device_class="humidity", value="45"),
    Thing("binary_sensor.patio_door", "Patio door", "Living Room", ("terrace door",), device_class="door"),
    Thing("binary_sensor.bathroom_window", "Bathroom window", "Bathroom", device_class="window"),
    Thing("binary_sensor.bedroom_window", "Bedroom window", "Bedroom", device_class="window"),
)
HIDDEN = ("switch.heating_relay",)
"""Helpers of the household that Home Assistant exposes by default and a user would not."""
LARGE_AREAS = (
    "Library", "Gym", "Workshop", "Conservatory", "Music Room", "Pantry", "Laundry", "Sunroom", "Wine Cellar", "Games Room",
)
LARGE_KINDS = ("ceiling light", "wall lamp", "spotlight", "pendant", "light strip")
LARGE_PER_AREA = 26


def large_things() -> tuple[Thing, ...]:
    """The large home's extra lights: 26 in each of ten areas ("Library wall lamp 3")."""
    things = []
    for area in LARGE_AREAS:
        for n in range(LARGE_PER_AREA):
            kind, number = LARGE_KINDS[n % len(LARGE_KINDS)], n // len(LARGE_KINDS) + 1
            name = f"{area} {kind} {number}"
            things.append(Thing(f"light.{name.lower().replace(' ', '_')}", name, area))
    return tuple(things)


@dataclass(frozen=True)
class Household:
    """A household: its package for the configuration, and its registry entries."""

    name: str
    things: tuple[Thing, ...]
    areas: dict[str, tuple[str | None, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def exposed(self) -> list[str]:
        return sorted({*NORMAL_HOME, *(t.entity_id for t in self.things)})

    def area_of(self) -> dict[str, str]:
        return {**NORMAL_HOME, **{t.entity_id: t.area for t in self.things}}


def household(name: str) -> Household:
    """The realistic or the large home."""
    if name == "realistic":
        return Household(name, THINGS, dict(AREAS))
    if name == "large":
        return Household(name, THINGS + large_things(), {**AREAS, **{a: ("Ground Floor", ()) for a in LARGE_AREAS}})
    raise ValueError(f"no home called {name!r} (one of {', '.join(HOMES)})")


TEMPLATE_KEYS = {"light": "lights", "switch": "switches", "cover": "covers", "fan": "fans", "sensor": "sensors", "binary_sensor": "sensors"}
"""The legacy template platforms' keys for their entities (the normal home's format)."""
HEATER = Thing("switch.heating_relay", "Heating relay", "")
"""The thermostat's heater: a template switch the household hides from Assist."""


def package(home: Household) -> str:
    """The home's entities as a Home Assistant package (JSON, which is YAML)."""
    helpers: dict[str, dict[str, Any]] = {"input_boolean": {}, "input_number": {}}
    templates: dict[str, dict[str, Any]] = {domain: {} for domain in TEMPLATE_KEYS}
    platforms: dict[str, list[dict[str, Any]]] = {"lock": [], "media_player": [], "climate": []}
    for thing in (*home.things, HEATER):
        domain, slug = thing.entity_id.split(".", 1)
        if domain not in ("sensor", "climate"):
            helpers["input_boolean"][f"{slug}_power"] = {"name": f"{thing.name} power"}
        if thing.level:
            top, initial = (255, 128) if domain == "light" else (100, 0)
            helpers["input_number"][f"{slug}_level"] = {"name": f"{thing.name} level", "min": 0, "max": top, "initial": initial}
        if domain in TEMPLATE_KEYS:
            templates[domain][slug] = TEMPLATES[domain](thing)
        else:
            platforms[domain].append(PLATFORMS[domain](thing))
    config: dict[str, Any] = dict(helpers)
    for domain, entities in templates.items():
        config[domain] = [{"platform": "template", TEMPLATE_KEYS[domain]: entities}]
    config.update(platforms)
    return json.dumps({k: v for k, v in config.items() if v}, indent=1)


def _power(thing: Thing) -> str:
    return f"input_boolean.{thing.slug}_power"


def _on_off(thing: Thing) -> dict[str, Any]:
    return {
        "unique_id": f"aria-household-{thing.slug}",
        "value_template": f"{{{{ is_state('{_power(thing)}', 'on') }}}}",
        "turn_on": {"action": "input_boolean.turn_on", "target": {"entity_id": _power(thing)}},
        "turn_off": {"action": "input_boolean.turn_off", "target": {"entity_id": _power(thing)}},
    }


def _level_action(thing: Thing, variable: str) -> list[dict[str, Any]]:
    """Set the level helper, and the power on with a level above 0 (off at 0)."""
    level = f"input_number.{thing.slug}_level"
    return [
        {"action": "input_number.set_value", "target": {"entity_id": level}, "data": {"value": f"{{{{ {variable} }}}}"}},
        {
            "if": [{"condition": "template", "value_template": f"{{{{ {variable} | int > 0 }}}}"}],
            "then": [{"action": "input_boolean.turn_on", "target": {"entity_id": _power(thing)}}],
            "else": [{"action": "input_boolean.turn_off", "target": {"entity_id": _power(thing)}}],
        },
    ]


def _light(thing: Thing) -> dict[str, Any]:
    spec = {"friendly_name": thing.name, **_on_off(thing)}
    if thing.level:
        spec["level_template"] = f"{{{{ states('input_number.{thing.slug}_level') | int }}}}"
        spec["set_level"] = _level_action(thing, "brightness")
    return spec


def _switch(thing: Thing) -> dict[str, Any]:
    return {"friendly_name": thing.name, **_on_off(thing)}


def _cover(thing: Thing) -> dict[str, Any]:
    on_off = _on_off(thing)
    spec = {
        "friendly_name": thing.name, "unique_id": on_off["unique_id"], "device_class": thing.device_class,
        "value_template": on_off["value_template"], "open_cover": on_off["turn_on"], "close_cover": on_off["turn_off"],
    }
    if thing.level:
        level = f"input_number.{thing.slug}_level"
        spec["position_template"] = f"{{{{ states('{level}') | int if is_state('{_power(thing)}', 'on') else 0 }}}}"
        spec["set_cover_position"] = _level_action(thing, "position")
        spec["open_cover"] = [on_off["turn_on"], {"action": "input_number.set_value", "target": {"entity_id": level}, "data": {"value": 100}}]
    return spec


def _fan(thing: Thing) -> dict[str, Any]:
    spec = {"friendly_name": thing.name, **_on_off(thing)}
    if thing.level:
        spec["percentage_template"] = f"{{{{ states('input_number.{thing.slug}_level') | int }}}}"
        spec["set_percentage"] = _level_action(thing, "percentage")
        spec["speed_count"] = 4
    return spec


def _sensor(thing: Thing) -> dict[str, Any]:
    unit = "°C" if thing.device_class == "temperature" else "%"
    return {
        "friendly_name": thing.name, "unique_id": f"aria-household-{thing.slug}", "device_class": thing.device_class,
        "unit_of_measurement": unit, "value_template": str(thing.value),
    }


def _binary(thing: Thing) -> dict[str, Any]:
    return {
        "friendly_name": thing.name, "unique_id": f"aria-household-{thing.slug}", "device_class": thing.device_class,
        "value_template": f"{{{{ is_state('{_power(thing)}', 'on') }}}}",
    }


def _lock(thing: Thing) -> dict[str, Any]:
    return {
        "platform": "template", "name": thing.name, "unique_id": f"aria-household-{thing.slug}",
        "value_template": f"{{{{ is_state('{_power(thing)}', 'on') }}}}",
        "lock": {"action": "input_boolean.turn_on", "target": {"entity_id": _power(thing)}},
        "unlock": {"action": "input_boolean.turn_off", "target": {"entity_id": _power(thing)}},
    }


def _media_player(thing: Thing) -> dict[str, Any]:
    on_off = _on_off(thing)
    return {
        "platform": "universal", "name": thing.name, "unique_id": on_off["unique_id"], "children": [],
        "state_template": f"{{{{ 'on' if is_state('{_power(thing)}', 'on') else 'off' }}}}",
        "commands": {"turn_on": on_off["turn_on"], "turn_off": on_off["turn_off"]},
    }


def _thermostat(thing: Thing) -> dict[str, Any]:
    return {
        "platform": "generic_thermostat", "name": thing.name, "unique_id": f"aria-household-{thing.slug}",
        "heater": "switch.heating_relay", "target_sensor": "sensor.living_room_temperature",
        "initial_hvac_mode": "heat", "target_temp": 20, "min_temp": 10, "max_temp": 28,
    }


TEMPLATES: dict[str, Callable[[Thing], dict[str, Any]]] = {
    "light": _light, "switch": _switch, "cover": _cover, "fan": _fan, "sensor": _sensor, "binary_sensor": _binary,
}
PLATFORMS: dict[str, Callable[[Thing], dict[str, Any]]] = {"lock": _lock, "media_player": _media_player, "climate": _thermostat}


async def furnish(ws: Any, home: Household) -> None:
    """The household's floors and areas (with aliases), each entity put in its area with its
    aliases, the household exposed to Assist and its helpers hidden from it; over the websocket
    (``harness.HomeAssistantWs``), as the settings pages do. Runs after ``HomeAssistant.furnish``."""
    floors = {f["name"]: f["floor_id"] for f in await ws.call("config/floor_registry/list")}
    for name, aliases in FLOORS.items():
        if name not in floors:
            floors[name] = (await ws.call("config/floor_registry/create", name=name, aliases=list(aliases)))["floor_id"]
    areas = {a["name"]: a["area_id"] for a in await ws.call("config/area_registry/list")}
    for name, (floor, aliases) in home.areas.items():
        if name not in areas:
            areas[name] = (await ws.call("config/area_registry/create", name=name))["area_id"]
        await ws.call("config/area_registry/update", area_id=areas[name], floor_id=floors.get(floor or ""), aliases=list(aliases))
    for thing in home.things:
        await ws.call("config/entity_registry/update", entity_id=thing.entity_id, area_id=areas[thing.area], aliases=list(thing.aliases))
    for entity_id, area in NORMAL_HOME.items():
        await ws.call("config/entity_registry/update", entity_id=entity_id, area_id=areas[area])
    await ws.call("homeassistant/expose_entity", assistants=["conversation"], entity_ids=home.exposed, should_expose=True)
    await ws.call("homeassistant/expose_entity", assistants=["conversation"], entity_ids=list(HIDDEN), should_expose=False)
