"""Which entities a recognized request is about: its slots resolved against the home's snapshot.

    {name: Kitchen light}                -> that entity (the one in the room the request came from,
                                            when several share the name; else "which one?")
    {area: Kitchen, domain: light}       -> every exposed light in the Kitchen
    {floor: Upstairs, domain: light}     -> every exposed light in the floor's areas
    {domain: light} (a question)         -> every exposed light in the home

Resolved before anything is asked of Home Assistant, so that Aria knows what an action would
touch (is it a lock? is it ambiguous?) and what an answer must be read from. Precision first:
two entities that a name could mean are a question to the user, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from .directory import Snapshot
from ..text import normalise
from .entities import HomeArea, HomeEntity
from .understanding import IntentMatch


class Problem(Enum):
    """Why a request has no targets to act on or read."""

    NO_SUCH_NAME = "no-such-name"
    NO_SUCH_AREA = "no-such-area"
    NOTHING_THERE = "nothing-there"
    """The area (or home) has no exposed entity of the kind asked for."""
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Targets:
    """The entities a request is about, or why there are none."""

    entities: tuple[HomeEntity, ...] = ()
    problem: Problem | None = None
    candidates: tuple[HomeEntity, ...] = ()
    """With ``AMBIGUOUS``: the entities the name could mean."""
    area: HomeArea | None = None
    """The area the request named (or was heard in), for the answer's words."""
    named: bool = False
    """Whether the request named one device (``name``) rather than a kind of device."""


def resolve(match: IntentMatch, snapshot: Snapshot, here: str | None = None) -> Targets:
    """The targets of ``match`` in ``snapshot``; ``here``: the area the request was heard in."""
    slots = match.slots
    domains = _as_set(slots.get("domain")) or _as_set(match.context.get("domain"))
    classes = _as_set(slots.get("device_class"))
    area = _find_area(snapshot, slots.get("area")) if slots.get("area") else None
    if slots.get("area") and area is None:
        return Targets(problem=Problem.NO_SUCH_AREA)
    floor_areas = _floor_areas(snapshot, slots.get("floor")) if slots.get("floor") else None

    def fits(entity: HomeEntity) -> bool:
        if domains and entity.domain not in domains:
            return False
        if classes and entity.device_class not in classes:
            return False
        if area is not None and entity.area_id != area.id:
            return False
        return floor_areas is None or entity.area_id in floor_areas

    if name := slots.get("name"):
        key = normalise(str(name))
        named = [e for e in snapshot.entities if any(normalise(n) == key for n in e.names)]
        if not named:
            return Targets(problem=Problem.NO_SUCH_NAME, area=area)
        fitting = [e for e in named if fits(e)] or ([] if area is not None else named)
        if not fitting:
            return Targets(problem=Problem.NOTHING_THERE, area=area, named=True)
        if len(fitting) > 1:
            here_area = _find_area(snapshot, here) if here else None
            local = [e for e in fitting if here_area is not None and e.area_id == here_area.id]
            if len(local) == 1:
                return Targets((local[0],), area=here_area, named=True)
            return Targets(problem=Problem.AMBIGUOUS, candidates=tuple(fitting), area=area, named=True)
        return Targets((fitting[0],), area=area, named=True)
    if not (domains or classes or area is not None or floor_areas is not None):
        return Targets(problem=Problem.NOTHING_THERE)
    chosen = tuple(e for e in snapshot.entities if fits(e))
    if not chosen:
        return Targets(problem=Problem.NOTHING_THERE, area=area)
    return Targets(chosen, area=area)


def area_name(snapshot: Snapshot, area_id: str | None) -> str | None:
    """The name of the area ``area_id`` (None when unknown)."""
    return next((a.name for a in snapshot.area_list if a.id == area_id), None)


def _find_area(snapshot: Snapshot, wanted: object) -> HomeArea | None:
    key = normalise(str(wanted))
    return next((a for a in snapshot.area_list if any(normalise(n) == key for n in a.names) or a.id == wanted), None)


def _floor_areas(snapshot: Snapshot, wanted: object) -> set[str]:
    key = normalise(str(wanted))
    floors = {f.id for f in snapshot.floors if any(normalise(n) == key for n in f.names)}
    return {a.id for a in snapshot.area_list if a.floor_id in floors}


def _as_set(value: object) -> set[str]:
    if value is None or value == "":
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, Iterable):
        return {str(v) for v in value}
    return {str(value)}
