"""What Aria knows of the home from Home Assistant's registries: devices, areas, exposed names.

Read over the websocket (``config/device_registry/list``, ``config/area_registry/list``,
``config/entity_registry/list``, ``homeassistant/expose_entity/list``, ``get_states``) and kept as
one snapshot, replaced whole on refresh. It answers two questions:

- which Home Assistant device stands for a satellite (``device_for``): the one set in settings,
  else a device named like the satellite, else a device in the satellite's area (set in settings).
  The device's area is what makes Home Assistant's "turn on the light" mean that room's light;
- which words recognition should favour (``names``): the names and aliases of the entities
  exposed to Assist and of the areas, bounded (Whisper's prompt is short), areas first.

Refreshed when Home Assistant says a registry changed (``*_registry_updated`` events, gathered for
``DEBOUNCE_S``), on each new connection, and every ``REFRESH_S`` in any case (the client's loop;
a device lookup also reloads a snapshot older than that).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import HomeError
from ..text import normalise
from .entities import HomeArea, HomeEntity, HomeFloor
from .websocket import HomeWebsocket

_LOGGER = logging.getLogger(__name__)

REGISTRY_EVENTS = ("entity_registry_updated", "area_registry_updated", "device_registry_updated")
DEBOUNCE_S = 1.0
"""Registry events come in bursts (an integration adds ten entities): one refresh per burst."""
REFRESH_S = 600.0
"""A refresh at least this often, in case an event was missed (e.g. exposure changed: no event)."""
MAX_NAMES = 80
MAX_NAMES_CHARS = 480
"""Bounds of the hint list (faster-whisper's hotwords share Whisper's ~224-token prompt)."""
HOME_AGENT = "conversation.home_assistant"
"""Home Assistant's own agent: the only one the fast path may run (another might be Aria itself)."""
PIPELINE_NAME = "Aria fast path (Home Assistant agent)"


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    area_id: str | None


@dataclass(frozen=True)
class Snapshot:
    """The registries at one moment."""

    devices: tuple[Device, ...] = ()
    areas: dict[str, str] = field(default_factory=dict)
    """area_id -> name."""
    names: tuple[str, ...] = ()
    """The recognition hints (bounded: Whisper's prompt is short)."""
    known: frozenset[str] = frozenset()
    """Every exposed entity's name and alias and every area's name and alias, unbounded (what a
    device command may name to end the turn early: ``names.py``)."""
    loaded_at: float | None = None
    """Monotonic time of the refresh (None: never loaded)."""
    entities: tuple[HomeEntity, ...] = ()
    """The entities exposed to Assist (what a request about the home may name and act on)."""
    area_list: tuple[HomeArea, ...] = ()
    floors: tuple[HomeFloor, ...] = ()


class HomeDirectory:
    """The home's devices, areas and names, kept fresh over ``ws``."""

    def __init__(self, ws: HomeWebsocket) -> None:
        self.ws = ws
        self.snapshot = Snapshot()
        self._pipelines: dict[str, str] = {}
        """Language -> id of a pipeline whose agent is Home Assistant's own."""
        self._refreshing: asyncio.Lock = asyncio.Lock()
        self._pending: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscribed = False

    async def start(self) -> None:
        """Subscribe to the registry events (renewed on reconnects) and load the registries
        (HomeError when Home Assistant cannot be asked now: the next request tries again)."""
        if not self._subscribed:
            self._subscribed = True
            self.ws.on_connect(self._reconnected)
            for event_type in REGISTRY_EVENTS:
                await self.ws.subscribe(event_type, self._changed)
        await self.fresh()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        for task in self._tasks:
            task.cancel()

    async def _reconnected(self) -> None:
        self._pipelines.clear()  # a restarted Home Assistant may have other pipelines
        if self._refreshing.locked():
            return  # the refresh that made this connection reads the new registries
        await self._refresh_quietly()

    def _changed(self, event: dict[str, Any]) -> None:
        if self._pending is not None:
            self._pending.cancel()
        loop = asyncio.get_running_loop()
        self._pending = loop.call_later(DEBOUNCE_S, self._spawn_refresh)

    def _spawn_refresh(self) -> None:
        task = asyncio.get_running_loop().create_task(self._refresh_quietly(), name="home directory refresh")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh_quietly(self) -> None:
        with contextlib.suppress(HomeError):
            await self.refresh()

    async def fresh(self) -> Snapshot:
        """The snapshot, loaded first when it never was or is older than ``REFRESH_S``."""
        return await self.refresh(older_than=REFRESH_S)

    async def refresh(self, older_than: float = 0.0) -> Snapshot:
        """Read the registries again, unless they were read less than ``older_than`` s ago
        (HomeError when Home Assistant cannot be asked)."""
        async with self._refreshing:
            loaded = self.snapshot.loaded_at
            if loaded is not None and older_than and time.monotonic() - loaded <= older_than:
                return self.snapshot
            devices = await self.ws.call("config/device_registry/list")
            areas = await self.ws.call("config/area_registry/list")
            entities = await self.ws.call("config/entity_registry/list")
            exposed = await self.ws.call("homeassistant/expose_entity/list")
            states = await self.ws.call("get_states")
            entities = await self._with_aliases(entities, exposed)
            try:
                floors = await self.ws.call("config/floor_registry/list")
            except HomeError as err:  # a home without floors, or a release without the registry
                _LOGGER.debug("no floor registry: %s", err)
                floors = []
            self.snapshot = build_snapshot(devices, areas, entities, exposed, states, floors)
            _LOGGER.info(
                "Home Assistant: %d devices, %d areas, %d names for recognition",
                len(self.snapshot.devices), len(self.snapshot.areas), len(self.snapshot.names),
            )
            return self.snapshot

    async def _with_aliases(self, entities: Any, exposed: Any) -> Any:
        """The exposed entities' full registry entries (``config/entity_registry/list`` leaves out
        aliases and device classes) in place of their short ones."""
        shown = sorted(((exposed or {}).get("exposed_entities") or {}).keys())
        if not shown or not isinstance(entities, list):
            return entities
        try:
            full = await self.ws.call("config/entity_registry/get_entries", entity_ids=shown)
        except HomeError as err:
            _LOGGER.debug("no full registry entries (aliases unknown): %s", err)
            return entities
        if not isinstance(full, dict):
            return entities
        return [full.get(e.get("entity_id")) or e if isinstance(e, dict) else e for e in entities]

    async def device_for(self, satellite: str, *, device_id: str | None = None, area: str | None = None) -> str | None:
        """The device that stands for ``satellite``: ``device_id`` (set in settings) as it is, else
        a device named like the satellite, else one in ``area``; None when none is found."""
        if device_id:
            return device_id
        snapshot = await self.fresh()
        return pick_device(snapshot, satellite, area)

    async def pipeline(self, language: str | None) -> str:
        """A pipeline whose conversation agent is Home Assistant's own, in ``language`` (found, or
        created once: never one whose agent is Aria, which would then be asking itself)."""
        base = (language or "en").replace("_", "-").split("-")[0].lower()
        if base in self._pipelines:
            return self._pipelines[base]
        listed = await self.ws.call("assist_pipeline/pipeline/list")
        chosen = pick_pipeline(listed, base)
        if chosen is None:
            created = await self.ws.call(
                "assist_pipeline/pipeline/create", name=f"{PIPELINE_NAME} {base}", language=base,
                conversation_engine=HOME_AGENT, conversation_language=base, stt_engine=None, stt_language=None,
                tts_engine=None, tts_language=None, tts_voice=None, wake_word_entity=None, wake_word_id=None,
                prefer_local_intents=False,
            )
            chosen = str(created["id"])
            _LOGGER.info("created Home Assistant pipeline %r for the fast path", f"{PIPELINE_NAME} {base}")
        self._pipelines[base] = chosen
        return chosen


def pick_pipeline(listed: Any, language: str) -> str | None:
    """The preferred pipeline when its agent is Home Assistant's own in ``language``, else the first such."""
    pipelines = [p for p in (listed or {}).get("pipelines", []) if isinstance(p, dict)]
    fitting = [
        p for p in pipelines
        if p.get("conversation_engine") == HOME_AGENT
        and str(p.get("conversation_language") or p.get("language") or "").lower().split("-")[0] == language
    ]
    preferred = (listed or {}).get("preferred_pipeline")
    fitting.sort(key=lambda p: p.get("id") != preferred)
    return str(fitting[0]["id"]) if fitting else None


def pick_device(snapshot: Snapshot, satellite: str, area: str | None) -> str | None:
    """A device named like ``satellite`` ("kitchen-satellite" ~ "Kitchen satellite"), else the
    first device in ``area`` (by the area's name or id)."""
    wanted = normalise(satellite)
    for device in snapshot.devices:
        if normalise(device.name) == wanted:
            return device.id
    if not area:
        return None
    area_ids = {aid for aid, name in snapshot.areas.items() if normalise(name) == normalise(area) or aid == area}
    for device in snapshot.devices:
        if device.area_id in area_ids:
            return device.id
    return None


def build_snapshot(devices: Any, areas: Any, entities: Any, exposed: Any, states: Any, floors: Any = ()) -> Snapshot:
    """The snapshot of the registries' JSON (unknown shapes are skipped, not fatal)."""
    area_list = tuple(
        HomeArea(str(a["area_id"]), str(a["name"]), _aliases(a), a.get("floor_id"))
        for a in areas or [] if isinstance(a, dict) and a.get("area_id") and a.get("name")
    )
    floor_list = tuple(
        HomeFloor(str(f["floor_id"]), str(f["name"]), _aliases(f))
        for f in floors or [] if isinstance(f, dict) and f.get("floor_id") and f.get("name")
    )
    area_names: dict[str, str] = {}
    names: list[str] = []
    for area in areas or []:
        if isinstance(area, dict) and area.get("area_id") and area.get("name"):
            area_names[str(area["area_id"])] = str(area["name"])
            names.append(str(area["name"]))
            names.extend(str(alias) for alias in area.get("aliases") or [])
    parsed = tuple(
        Device(str(d["id"]), str(d.get("name_by_user") or d.get("name") or ""), d.get("area_id"))
        for d in devices or [] if isinstance(d, dict) and d.get("id")
    )
    shown = set(((exposed or {}).get("exposed_entities") or {}).keys())
    friendly = {
        s["entity_id"]: s.get("attributes", {}).get("friendly_name")
        for s in states or [] if isinstance(s, dict) and "entity_id" in s
    }
    classes = {
        s["entity_id"]: s.get("attributes", {}).get("device_class")
        for s in states or [] if isinstance(s, dict) and "entity_id" in s
    }
    registered = {e["entity_id"]: e for e in entities or [] if isinstance(e, dict) and "entity_id" in e}
    device_areas = {device.id: device.area_id for device in parsed}
    home: list[HomeEntity] = []
    for entity_id in sorted(shown):
        entry = registered.get(entity_id, {})
        name = entry.get("name") or friendly.get(entity_id) or entry.get("original_name")
        if name:
            names.append(str(name))
        names.extend(str(alias) for alias in entry.get("aliases") or [])
        if name and "." in entity_id:
            area_id = entry.get("area_id") or device_areas.get(entry.get("device_id") or "")
            device_class = entry.get("device_class") or entry.get("original_device_class") or classes.get(entity_id)
            home.append(HomeEntity(
                entity_id, " ".join(str(name).split()), _aliases(entry), area_id, str(device_class) if device_class else None
            ))
    known = frozenset(" ".join(name.split()) for name in names if name.strip())
    return Snapshot(
        parsed, area_names, bounded(names), known, time.monotonic(), tuple(home), area_list, floor_list
    )


def _aliases(entry: dict[str, Any]) -> tuple[str, ...]:
    """The non-empty aliases of a registry entry, whitespace tidied."""
    return tuple(" ".join(str(a).split()) for a in entry.get("aliases") or [] if str(a).strip())


def bounded(names: list[str]) -> tuple[str, ...]:
    """Unique names in order, at most ``MAX_NAMES`` and ``MAX_NAMES_CHARS`` joined with ", "."""
    kept: list[str] = []
    seen: set[str] = set()
    length = 0
    for name in names:
        name = " ".join(name.split())
        if not name or name.lower() in seen:
            continue
        if len(kept) >= MAX_NAMES or length + len(name) + 2 > MAX_NAMES_CHARS:
            break
        seen.add(name.lower())
        kept.append(name)
        length += len(name) + 2
    return tuple(kept)
