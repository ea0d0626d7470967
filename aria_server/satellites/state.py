"""What the server knows about each satellite: its state machine, and its status as plain data.

The server's side of one satellite (the device's own machine is ``aria_satellite/state.py``;
both are ``aria_wire.state_machine``):

    DISCONNECTED ──connected──> IDLE ──turn (after arbitration)──> LISTENING ──transcript──> THINKING
         ^                      ^ │ ^                                 ^   │                      │
         └── connection lost ───┤ │ └── expired ── FOLLOW_UP <── asks ─┼── SPEAKING <── audio ───┘
             (from any state)   │ └── announcement ──> SPEAKING  ─────┘ barge-in: LISTENING
                                └──── turn ended (played, no speech, error) ──┘

FOLLOW_UP is the microphone open without a wake word after a reply (or the house) asked
something: its data (``FollowUp``) is the deadline, and, for a question the house asked, where
the answer goes (it is only heard, not answered). Its next turn takes it (LISTENING); its
deadline passing ends it (IDLE). Staying in a state is always allowed (a barge-in's new turn
listens again); any other move is a bug in the caller and raises ``InvalidTransition``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aria_wire.state_machine import InvalidTransition, StateMachine

__all__ = ["TRANSITIONS", "FollowUp", "InvalidTransition", "SatelliteState", "SatelliteStatus", "WakeSource"]


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
    FOLLOW_UP = "follow-up"
    """Between turns, the next speech needs no wake word (until ``FollowUp.until``)."""


S = SatelliteState
_ANY_CONNECTED = frozenset({S.IDLE, S.LISTENING, S.SPEAKING, S.DISCONNECTED})

TRANSITIONS: dict[SatelliteState, frozenset[SatelliteState]] = {
    S.DISCONNECTED: frozenset({S.IDLE}),
    S.IDLE: _ANY_CONNECTED | {S.FOLLOW_UP},
    S.LISTENING: _ANY_CONNECTED | {S.THINKING},
    S.THINKING: _ANY_CONNECTED,
    S.SPEAKING: _ANY_CONNECTED | {S.FOLLOW_UP},
    S.FOLLOW_UP: _ANY_CONNECTED,
}
"""State -> the states that may follow it (besides itself)."""

TURN_STATES = frozenset({S.LISTENING, S.THINKING, S.SPEAKING})
"""The states of a turn in flight: its end falls back to IDLE (FOLLOW_UP outlives its turn)."""


class WakeSource(StrEnum):
    """Who hears the wake word of a satellite (learned from its first ``run-pipeline``)."""

    UNKNOWN = "unknown"
    LOCAL = "local"
    """The satellite detects the wake word and sends ``run-pipeline`` for each turn."""
    SERVER = "server"
    """The satellite streams all the time (wake stream); the server detects the wake word."""


@dataclass(frozen=True)
class FollowUp:
    """FOLLOW_UP's data: how long the microphone stays open without a wake word, and for whom."""

    until: float
    """monotonic deadline, s: past it, the state ends (``SatelliteStatus.expire``)."""
    heard: asyncio.Future[str] | None = field(default=None, compare=False)
    """A question the house asked (``ask``): the transcript goes here, the agent does not answer."""

    def open(self, now: float) -> bool:
        """True before the deadline."""
        return now < self.until


@dataclass
class SatelliteStatus:
    """The live status of one satellite (mutated by its session, copied out by ``snapshot``)."""

    name: str
    address: str
    source: str
    """``static`` (--satellite) or ``zeroconf``."""
    area: str | None = None
    wake: WakeSource = WakeSource.UNKNOWN
    connected_since: float | None = None
    """wall-clock time of the current connection, seconds since the epoch."""
    last_error: str | None = None
    turns: int = 0
    last_turn: dict[str, Any] | None = None
    reported: dict[str, Any] | None = None
    """The satellite's own last ``satellite-status`` (wake words and settings, self-healing counters);
    only Aria satellites send one."""
    extra: dict[str, Any] = field(default_factory=dict)
    machine: StateMachine[SatelliteState] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.machine = StateMachine(S.DISCONNECTED, TRANSITIONS, name=f"satellite {self.name}")

    @property
    def state(self) -> SatelliteState:
        """The current state."""
        return self.machine.state

    def to(self, new: SatelliteState, reason: str, data: object | None = None) -> bool:
        """Move to ``new``; False when already there, InvalidTransition when the table forbids it."""
        self.machine.name = f"satellite {self.name}"  # the satellite may have renamed itself
        return self.machine.to(new, reason, data)

    def follow_up(self, now: float) -> FollowUp | None:
        """The open follow-up, when FOLLOW_UP and before its deadline."""
        offer = self.machine.expect(FollowUp) if self.state is S.FOLLOW_UP else None
        return offer if offer is not None and offer.open(now) else None

    def offer_follow_up(self, until: float, heard: asyncio.Future[str] | None = None) -> FollowUp | None:
        """Enter FOLLOW_UP until monotonic ``until``; None when a turn already began instead."""
        if not self.machine.can(S.FOLLOW_UP):
            return None
        offer = FollowUp(until, heard)
        self.to(S.FOLLOW_UP, "question" if heard is not None else "follow-up offered", offer)
        return offer

    def take_follow_up(self, kind: str, now: float) -> FollowUp | None:
        """Leave FOLLOW_UP for a turn of ``kind`` starting now: the follow-up's data when that turn
        is the follow-up (it listens at once), else None (back to IDLE; the turn goes its own way)."""
        offer = self.follow_up(now) if kind == "follow-up" else None
        if self.state is S.FOLLOW_UP:
            self.to(S.LISTENING if offer is not None else S.IDLE, kind)
        return offer

    def withdraw(self, heard: asyncio.Future[str]) -> None:
        """Nobody waits for the answer to this question any more: end its FOLLOW_UP, if still open."""
        offer = self.machine.expect(FollowUp)
        if offer is not None and offer.heard is heard:
            self.expire(offer, "question withdrawn")

    def expire(self, offer: FollowUp, reason: str = "follow-up expired") -> None:
        """End FOLLOW_UP when ``offer`` is still its data (a later offer or a turn replaced it otherwise)."""
        if self.state is S.FOLLOW_UP and self.machine.data is offer:
            self.to(S.IDLE, reason)

    @property
    def connected(self) -> bool:
        """True while a connection is up."""
        return self.state is not S.DISCONNECTED

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {
            "name": self.name,
            "address": self.address,
            "source": self.source,
            "connected": self.connected,
            "state": str(self.state),
            "area": self.area,
            "wake": str(self.wake),
            "connected_since": self.connected_since,
            "last_error": self.last_error,
            "turns": self.turns,
            "last_turn": dict(self.last_turn) if self.last_turn else None,
            "health": (self.reported or {}).get("health"),
            "wake_words": (self.reported or {}).get("wake"),
        }
