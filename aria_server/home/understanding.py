"""Home Assistant's own language understanding, run inside Aria: ``hassil`` over the
``home-assistant-intents`` sentence templates and the home's real names.

    "Set the hall lamp to 40 percent"  -> HassLightSet  {name: Hall Lamp, brightness: 40}
    "Lights out in the hall"           -> HassTurnOff   {area: Hall, domain: light}
    "Is the back door locked?"         -> HassGetState  {name: Back Door, state: locked} (one_yesno)
    "Why is the sky blue?"             -> None

The same libraries Home Assistant's own agent uses, at the newest release on the index, so every
Home Assistant release a user runs gets the newest templates. The slot lists are built from the
snapshot of the registries (``directory.py``) the way Home Assistant builds its own: every exposed
entity's name and aliases (with its domain as context, which the templates require), every area
and floor with their aliases. Strict templates only: Home Assistant removed its fuzzy matcher in
2026.5 because it matched the wrong things; flexible phrasing is not guessed here.

Loading the templates takes ~50 ms and the first match ~0.5 s (hassil compiles as it goes), so
``load`` runs once in a worker thread at start; a match then takes 2–30 ms, also off the loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..concurrency import model_executor, run_blocking
from .directory import Snapshot
from .entities import first_phrase

_LOGGER = logging.getLogger(__name__)

LANGUAGE = "en"
"""The templates loaded (the rest of Aria's home path renders English answers)."""


@dataclass(frozen=True)
class IntentMatch:
    """One request recognized by the templates: the intent and its slots, as Home Assistant names them."""

    intent: str
    slots: dict[str, Any]
    """Slot name -> value: ``name``, ``area``, ``floor``, ``domain``, ``device_class``, ``state``,
    ``brightness``, ``position``, ``temperature`` ... (numbers as numbers)."""
    response: str = "default"
    """The template's response key (``one_yesno``, ``which``, ``how_many``, ``all``, ``any`` ...):
    what kind of answer the question wants."""
    context: dict[str, Any] = field(default_factory=dict)
    """What the matched name carries (its ``domain``)."""


@dataclass(frozen=True)
class UnknownTarget:
    """A request the templates match only with a name or area the home does not have."""

    intent: str
    slot: str
    """``name`` or ``area``."""
    said: str
    """The words said in its place ("sauna")."""


def spoken_forms(name: str) -> tuple[str, ...]:
    """A name as said, singular or plural ("Kitchen Lights": also "Kitchen Light"): people do not
    remember which the entity is called, and the value matched stays the entity's real name."""
    short = first_phrase(name)
    if short and short != name:
        # A name carrying a sentence is said by its first phrase ("Coffee maker. Ignore ...").
        return (*spoken_forms(short), name)
    words = name.split()
    if not words or not words[-1].isalpha() or len(words[-1]) < 4:
        return (name,)
    last = words[-1]
    other = last[:-1] if last.lower().endswith("s") and not last.lower().endswith("ss") else f"{last}s"
    return (name, " ".join([*words[:-1], other]))


class HomeUnderstanding:
    """The templates, loaded once; slot lists rebuilt when the snapshot changes."""

    def __init__(self) -> None:
        self._intents: Any = None
        self._lists: tuple[Snapshot, dict[str, Any]] | None = None
        self._executor = model_executor("hassil")

    @property
    def loaded(self) -> bool:
        return self._intents is not None

    async def load(self) -> None:
        """Load the templates and compile them with one throw-away match (in a worker thread)."""
        if self._intents is None:
            await run_blocking(self._executor, self._load)

    def _load(self) -> None:
        from hassil import Intents, recognize_best
        from hassil.intents import TextSlotList
        from home_assistant_intents import get_intents

        intents = Intents.from_dict(get_intents(LANGUAGE))
        empty = TextSlotList.from_tuples([], allow_template=False)
        recognize_best("turn on the light", intents, slot_lists={"name": empty, "area": empty, "floor": empty})
        self._intents = intents
        _LOGGER.info("Home Assistant's sentence templates loaded (%d intents)", len(intents.intents))

    async def recognize(self, text: str, snapshot: Snapshot, here: str | None = None) -> IntentMatch | None:
        """The intent ``text`` asks for among the home's names, or None; ``here``: the name of the
        area the request was heard in (templates like "turn on the light" need it)."""
        if not text.strip():
            return None
        await self.load()
        return await run_blocking(self._executor, self._recognize, text, snapshot, here)

    async def unknown_target(self, text: str, snapshot: Snapshot) -> UnknownTarget | None:
        """What ``text`` names that the home does not have, when the templates match it with that
        one name or area left unmatched ("set the sauna to 80 degrees": the name "sauna"), else None."""
        if not text.strip():
            return None
        await self.load()
        return await run_blocking(self._executor, self._unknown_target, text, snapshot)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _recognize(self, text: str, snapshot: Snapshot, here: str | None) -> IntentMatch | None:
        from hassil import recognize_best

        context = {"area": {"value": here, "text": here}} if here else None
        result = recognize_best(
            text, self._intents, slot_lists=self._slot_lists(snapshot), intent_context=context,
            language=LANGUAGE, best_slot_name="name",
        )
        if result is None:
            return None
        slots = {name: entity.value for name, entity in result.entities.items() if entity.value is not None}
        matched_context = {k: v for k, v in (result.context or {}).items() if k != "area"}
        return IntentMatch(result.intent.name, slots, result.response or "default", matched_context)

    def _unknown_target(self, text: str, snapshot: Snapshot) -> UnknownTarget | None:
        from hassil import recognize_best
        from hassil.models import UnmatchedTextEntity

        result = recognize_best(
            text, self._intents, slot_lists=self._slot_lists(snapshot), allow_unmatched_entities=True,
            language=LANGUAGE, best_slot_name="name",
        )
        if result is None:
            return None
        # A name's own kind is a list the unmatched name leaves empty ("domain": "<missing>").
        unmatched = {k: v for k, v in result.unmatched_entities.items() if k != "domain"}
        if len(unmatched) != 1:
            return None
        slot, entity = next(iter(unmatched.items()))
        said = entity.text.strip() if isinstance(entity, UnmatchedTextEntity) else ""
        if slot not in ("name", "area") or not said:
            return None
        return UnknownTarget(result.intent.name, slot, said)

    def _slot_lists(self, snapshot: Snapshot) -> dict[str, Any]:
        if self._lists is not None and self._lists[0] is snapshot:
            return self._lists[1]
        from hassil.intents import TextSlotList

        names: list[tuple[str, str, dict[str, Any]]] = []
        for entity in snapshot.entities:
            context: dict[str, Any] = {"domain": entity.domain}
            if entity.device_class:
                context["device_class"] = entity.device_class
            names.extend((said, name, context) for name in entity.names for said in spoken_forms(name))
        areas = [(name, area.name) for area in snapshot.area_list for name in area.names]
        floors = [(name, floor.name) for floor in snapshot.floors for name in floor.names]
        lists = {
            "name": TextSlotList.from_tuples(names, allow_template=False),
            "area": TextSlotList.from_tuples(areas, allow_template=False),
            "floor": TextSlotList.from_tuples(floors, allow_template=False),
        }
        self._lists = (snapshot, lists)
        return lists
