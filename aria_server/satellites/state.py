"""What the server knows about each satellite, as plain data for the API and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SatelliteState(StrEnum):
    """Where a connected satellite is in a turn."""

    DISCONNECTED = "disconnected"
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


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
    extra: dict[str, Any] = field(default_factory=dict)

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
        }
