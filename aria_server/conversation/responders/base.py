"""What a responder is and what it gives back.

    Responder.respond(request) -> Answer | None     None: not mine, ask the next one

An ``Answer`` streams its text; once the stream has ended, ``source`` (and ``backend`` /
``model`` for a model's answer) say where the words came from, for the history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from ...store.history import TurnSource
from ..request import ConversationRequest


class Answer(Protocol):
    """Text deltas of one answer, and where they came from (final once ``deltas`` ended)."""

    source: TurnSource
    backend: str | None
    model: str | None

    def deltas(self) -> AsyncIterator[str]:
        """The answer's text as it is produced; cancellation propagates, nothing else is raised."""
        ...


class Responder(Protocol):
    """One way of answering; asked in order, the first answer wins."""

    name: str

    async def respond(self, request: ConversationRequest) -> Answer | None:
        """An answer to ``request``, or None when this responder does not answer it."""
        ...


@dataclass
class Said:
    """A whole answer known at once (local intents, the home, refusals)."""

    text: str
    source: TurnSource
    backend: str | None = None
    model: str | None = None

    async def deltas(self) -> AsyncIterator[str]:
        yield self.text
