"""The satellite's states and the transitions allowed between them (pure).

    IDLE ──run-satellite──> WAITING ──wake / speech──> STREAMING ──transcript──> THINKING
      ^                       ^  ^                        │  ^                       │
      └── pause / server gone │  └──── played / error ────┘  └── barge-in / follow-up ┤
                              └──────────────── played ─── SPEAKING <── audio-start ──┘
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


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


class InvalidTransition(RuntimeError):
    """A transition the table does not allow: a bug in the caller."""


class StateMachine:
    """The current state; ``to`` checks the table and tells listeners ``(old, new, reason)``."""

    def __init__(self, listener: Callable[[State, State, str], None] | None = None) -> None:
        self.state = State.IDLE
        self._listener = listener

    def can(self, new: State) -> bool:
        """True when ``new`` may follow the current state (staying put is always allowed)."""
        return new == self.state or new in TRANSITIONS[self.state]

    def to(self, new: State, reason: str) -> bool:
        """Move to ``new``; False when already there, InvalidTransition when not allowed."""
        if new == self.state:
            return False
        if new not in TRANSITIONS[self.state]:
            raise InvalidTransition(f"{self.state} -> {new} ({reason}) is not allowed")
        old, self.state = self.state, new
        if self._listener is not None:
            self._listener(old, new, reason)
        return True
