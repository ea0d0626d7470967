"""What the server knows about each satellite: its state machine, and its status as plain data.

The server's side of one satellite (the device's own machine is ``aria_satellite/state.py``):

    DISCONNECTED ──connected──> IDLE ──turn (after arbitration)──> LISTENING ──transcript──> THINKING
         ^                       ^ │                                  ^   │                      │
         └──── connection lost ──┤ └──────── announcement ──> SPEAKING <──┼──── first audio ─────┘
               (from any state)  └──── turn ended (played, no speech, error) ─┘   barge-in: LISTENING

Staying in a state is always allowed (a barge-in's new turn listens again). Any other move is a
bug in the caller and raises ``InvalidTransition``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

_LOGGER = logging.getLogger(__name__)


class SatelliteState(StrEnum):
    """Where a connected satellite is in a turn."""

    DISCONNECTED = "disconnected"
    IDLE = "idle"
    LISTENING = "listening"
    """A turn reads the satellite's microphone."""
    THINKING = "thinking"
    """The transcript is known; the reply is being made."""
    SPEAKING = "speaking"
    """Reply or announcement audio is playing."""


_ANY_CONNECTED = frozenset({SatelliteState.IDLE, SatelliteState.LISTENING, SatelliteState.SPEAKING, SatelliteState.DISCONNECTED})

TRANSITIONS: dict[SatelliteState, frozenset[SatelliteState]] = {
    SatelliteState.DISCONNECTED: frozenset({SatelliteState.IDLE}),
    SatelliteState.IDLE: _ANY_CONNECTED,
    SatelliteState.LISTENING: _ANY_CONNECTED | {SatelliteState.THINKING},
    SatelliteState.THINKING: _ANY_CONNECTED,
    SatelliteState.SPEAKING: _ANY_CONNECTED,
}
"""State -> the states that may follow it (besides itself)."""


class InvalidTransition(RuntimeError):
    """A transition the table does not allow: a bug in the caller."""


@dataclass
class SatelliteStatus:
    """The live status of one satellite (mutated by its session, copied out by ``snapshot``)."""

    name: str
    address: str
    source: str
    """``static`` (--satellite) or ``zeroconf``."""
    state: SatelliteState = SatelliteState.DISCONNECTED
    area: str | None = None
    wake: str = "unknown"
    """``local`` (the satellite detects the wake word) or ``server`` (it streams; the server detects)."""
    connected_since: float | None = None
    """wall-clock time of the current connection, seconds since the epoch."""
    last_error: str | None = None
    turns: int = 0
    last_turn: dict[str, Any] | None = None
    reported: dict[str, Any] | None = None
    """The satellite's own last ``satellite-status`` (wake words and settings, self-healing counters);
    only Aria satellites send one."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to(self, new: SatelliteState, reason: str) -> bool:
        """Move to ``new``; False when already there, InvalidTransition when the table forbids it."""
        if new is self.state:
            return False
        if new not in TRANSITIONS[self.state]:
            raise InvalidTransition(f"satellite {self.name}: {self.state} -> {new} ({reason}) is not allowed")
        _LOGGER.debug("satellite %s: %s -> %s (%s)", self.name, self.state, new, reason)
        self.state = new
        return True

    @property
    def connected(self) -> bool:
        """True while a connection is up."""
        return self.state is not SatelliteState.DISCONNECTED

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {
            "name": self.name,
            "address": self.address,
            "source": self.source,
            "connected": self.connected,
            "state": str(self.state),
            "area": self.area,
            "wake": self.wake,
            "connected_since": self.connected_since,
            "last_error": self.last_error,
            "turns": self.turns,
            "last_turn": dict(self.last_turn) if self.last_turn else None,
            "health": (self.reported or {}).get("health"),
            "wake_words": (self.reported or {}).get("wake"),
        }
