"""The one state machine helper of both programs: a state, its data, and a table of allowed moves.

The satellite (``aria_satellite.state``) and the server's view of each satellite
(``aria_server.satellites.state``) each declare an enum and a table; this module does the rest:

    machine = StateMachine(State.IDLE, TRANSITIONS, name="kitchen")
    machine.listen(lambda change: ...)          # every move, as a ``Transition``
    machine.to(State.WAITING, "run-satellite")  # True: moved; False: already there
    machine.to(State.THINKING, "oops")          # WAITING -> THINKING is not in the table: InvalidTransition

A state may carry typed data (a deadline, a follow-up to start after playback, whether the
server was lost): ``to(new, reason, data)`` sets it, and it goes with the state, so no flag
outlives the state it belongs to and nothing needs a ``_reset()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

_LOGGER = logging.getLogger(__name__)

S = TypeVar("S", bound=Enum)
T = TypeVar("T")


class InvalidTransition(RuntimeError):
    """A move the table does not allow: a bug in the caller, never a runtime condition."""


@dataclass(frozen=True)
class Transition(Generic[S]):
    """One move, as listeners are told it."""

    old: S
    new: S
    reason: str
    data: object | None
    """what the new state carries (None: nothing)."""


Listener = Callable[[Transition[S]], None]


class StateMachine(Generic[S]):
    """The current state and its data; every move goes through ``to`` and the table."""

    def __init__(self, initial: S, table: Mapping[S, frozenset[S]], *, name: str = "", data: object | None = None) -> None:
        missing = set(type(initial)) - set(table)
        if missing:  # a state with no row would fail only the first time it is left: fail at start
            raise ValueError(f"no transitions for {sorted(str(s) for s in missing)}")
        self.table = table
        self.name = name
        self._state = initial
        self._data = data
        self._listeners: list[Listener[S]] = []

    @property
    def state(self) -> S:
        """The current state."""
        return self._state

    @property
    def data(self) -> object | None:
        """What the current state carries (None: nothing); replaced on every move."""
        return self._data

    def listen(self, listener: Listener[S]) -> None:
        """Call ``listener`` after every move (not when a state is kept)."""
        self._listeners.append(listener)

    def can(self, new: S) -> bool:
        """True when ``new`` may follow the current state (staying put is always allowed)."""
        return new == self._state or new in self.table[self._state]

    def to(self, new: S, reason: str, data: object | None = None) -> bool:
        """Move to ``new`` carrying ``data``; InvalidTransition when the table forbids it.

        Staying put returns False and tells no listener; the state's data is then kept unless
        ``data`` is given (a state's data is only ever replaced deliberately).
        """
        if new == self._state:
            if data is not None:
                self._data = data
            return False
        if new not in self.table[self._state]:
            where = f"{self.name}: " if self.name else ""
            raise InvalidTransition(f"{where}{self._state} -> {new} ({reason}) is not allowed")
        old, self._state, self._data = self._state, new, data
        _LOGGER.debug("%s%s -> %s (%s)", f"{self.name}: " if self.name else "", old, new, reason)
        change = Transition(old, new, reason, data)
        for listener in self._listeners:
            listener(change)
        return True

    def expect(self, kind: type[T]) -> T | None:
        """The current state's data when it is a ``kind`` (None otherwise): typed access."""
        return self._data if isinstance(self._data, kind) else None

