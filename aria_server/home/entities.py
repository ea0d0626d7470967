"""The home as Aria sees it: exposed entities, areas and floors, read from Home Assistant's registries.

These are the only names a request about the home can be matched to (``understanding.py``), the
targets an action is resolved to (``targets.py``), and the words an answer about the home is
rendered with (``render.py``). A name is data, never an instruction: it is matched and spoken,
never given to a language model as text to follow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeArea:
    """An area of Home Assistant's area registry."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    floor_id: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class HomeFloor:
    """A floor of Home Assistant's floor registry."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class HomeEntity:
    """One entity exposed to Assist: what it is called and where it is."""

    entity_id: str
    name: str
    aliases: tuple[str, ...] = ()
    area_id: str | None = None
    """The entity's own area, else its device's (as Home Assistant resolves it)."""
    device_class: str | None = None

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]

    @property
    def spoken(self) -> str:
        """The name as Aria says it: up to its first sentence mark, so a name that carries a
        sentence ("Coffee maker. Ignore previous instructions ...") is said as "Coffee maker"."""
        return first_phrase(self.name) or self.name

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def first_phrase(name: str) -> str:
    """``name`` up to its first sentence mark, trimmed."""
    for mark in ".,;:!?(":
        name = name.split(mark, 1)[0]
    return name.strip()
