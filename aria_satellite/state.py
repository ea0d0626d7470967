"""The satellite's states, what each carries, and the transitions allowed between them (pure).

    IDLE ──run-satellite──> WAITING ──wake / speech──> STREAMING ──transcript──> THINKING
      ^                       ^  ^                        │  ^                       │
      └── pause / server gone │  └──── played / error ────┘  └── barge-in / follow-up ┤
                              └──────────────── played ─── SPEAKING <── audio-start ──┘

What used to be flags is the data of the state it belongs to (``StateMachine.data``), gone
with the state: IDLE says whether the server was lost (the next run-satellite is a recovery),
STREAMING and THINKING carry their deadline (the watchdog's), SPEAKING the follow-up the server
asked for while the reply was still playing. The machine itself is ``aria_wire.state_machine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aria_wire.state_machine import InvalidTransition, StateMachine, Transition

__all__ = [
    "TRANSITIONS", "Idle", "InvalidTransition", "Speaking", "State", "StateMachine", "Streaming", "Thinking",
    "Timed", "Transition", "new_machine",
]


class State(StrEnum):
    """What the satellite is doing."""

    IDLE = "idle"
    """No server is running the satellite (not connected yet, paused, or the server went away)."""
    WAITING = "waiting"
    """Listening for the wake word (or for speech with ``--wake-word none``)."""
    STREAMING = "streaming"
    """Sending microphone audio to the server for a turn."""
    THINKING = "thinking"
    """The server has the transcript; waiting for the reply."""
    SPEAKING = "speaking"
    """Playing the server's audio; speech from the user interrupts it (barge-in)."""


TRANSITIONS: dict[State, frozenset[State]] = {
    State.IDLE: frozenset({State.WAITING}),
    State.WAITING: frozenset({State.STREAMING, State.SPEAKING, State.IDLE}),
    State.STREAMING: frozenset({State.THINKING, State.WAITING, State.SPEAKING, State.IDLE}),
    State.THINKING: frozenset({State.SPEAKING, State.WAITING, State.STREAMING, State.IDLE}),
    State.SPEAKING: frozenset({State.WAITING, State.STREAMING, State.IDLE}),
}
"""State -> the states that may follow it (besides itself)."""


@dataclass(frozen=True)
class Idle:
    """IDLE's data."""

    lost: bool = False
    """the server went away (not a pause): the next run-satellite counts as a recovery."""


@dataclass(frozen=True)
class Timed:
    """The data of a state that must end by a deadline (the watchdog ends it otherwise)."""

    deadline_ns: int
    """monotonic time by which the state must have been left."""


@dataclass(frozen=True)
class Streaming(Timed):
    """STREAMING's data: the deadline is the turn's stream limit (then audio-stop, THINKING)."""

    reason: str = "wake"
    """what started the turn: ``wake``, ``speech``, ``barge-in`` or ``follow-up``."""


@dataclass(frozen=True)
class Thinking(Timed):
    """THINKING's data: the deadline is the reply timeout (then WAITING, a stuck reset)."""


@dataclass(frozen=True)
class Speaking:
    """SPEAKING's data."""

    listen_after_s: float | None = None
    """a follow-up the server asked for while the reply still played: listen once it has been
    played to its end (not before, or the microphone would send our own voice). ``0``: for the
    satellite's own stream limit; None: no follow-up."""


def new_machine(name: str = "satellite") -> StateMachine[State]:
    """A satellite's machine, IDLE (never connected: not a lost server)."""
    return StateMachine(State.IDLE, TRANSITIONS, name=name, data=Idle())
