"""Actions waiting for the user's "yes": one per conversation, for a short while.

    "Unlock the front door."  -> "Unlock the Front door — are you sure?"   (the action waits here)
    "Yes."                    -> carried out                                (within CONFIRM_S)
    "No." / anything else     -> dropped (anything else is then answered as a new request)

A satellite listens for the answer without the wake word (a reply that ends in a question opens
a follow-up), and a Wyoming client keeps its conversation by host, so the "yes" lands here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from ..text import normalise

CONFIRM_S = 30.0
"""How long a question about a sensitive action stays open."""
YES = frozenset({
    "yes", "yeah", "yep", "yup", "sure", "confirm", "confirmed", "do it", "go ahead", "yes please",
    "please do", "affirmative", "correct", "i'm sure", "yes i'm sure", "yes do it", "yes go ahead", "ok", "okay",
})
NO = frozenset({
    "no", "nope", "cancel", "don't", "do not", "stop", "never mind", "nevermind", "no thanks",
    "no thank you", "abort", "no don't", "leave it",
})


class Reply(Enum):
    YES = "yes"
    NO = "no"
    OTHER = "other"


def classify_reply(text: str) -> Reply:
    """Whether ``text`` answers a yes/no question (the whole utterance, not a word in it)."""
    key = normalise(text)
    if key in YES:
        return Reply.YES
    if key in NO:
        return Reply.NO
    return Reply.OTHER


@dataclass(frozen=True)
class PendingAction:
    """An action asked about: what runs on "yes", and what it is called."""

    describe: str
    """ "unlock the Front door" (for "Okay, I won't ...")."""
    run: Callable[[], Awaitable[str]]
    """Carries the action out; returns what to say (rendered from Home Assistant's result)."""
    requester_trusted: bool
    expires_at: float


class Confirmations:
    """The open questions, by conversation."""

    def __init__(self, confirm_s: float = CONFIRM_S) -> None:
        self.confirm_s = confirm_s
        self._pending: dict[str, PendingAction] = {}

    def ask(self, conversation_id: str, describe: str, run: Callable[[], Awaitable[str]], trusted: bool) -> None:
        self._pending[conversation_id] = PendingAction(describe, run, trusted, time.monotonic() + self.confirm_s)

    def take(self, conversation_id: str) -> PendingAction | None:
        """The open question of the conversation (removed: it is answered now, one way or another)."""
        pending = self._pending.pop(conversation_id, None)
        if pending is None or pending.expires_at < time.monotonic():
            return None
        return pending
