"""One request to the conversation stage, as every responder sees it (frozen: nobody edits it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .speculation import Speculation


@dataclass(frozen=True)
class ConversationRequest:
    """The user's words and everything known about where they came from."""

    conversation_id: str
    text: str
    language: str | None = None
    satellite: str | None = None
    """The satellite that heard it (its room narrows "the light")."""
    area: str | None = None
    """The area the request was heard in, when the face knows it."""
    trusted: bool = False
    """Whether the requester may ask for security-sensitive actions (unlock, open the garage):
    the dashboard with its token, a satellite the user configured or approved, a Wyoming client
    whose address is allow-listed (``--ha-trusted-clients``). Anyone else is not: Wyoming has no
    authentication, and zeroconf can be advertised by anyone on the network."""
    timers_ring: bool = True
    """Whether a timer set now can ring where the user is."""
    session: str | None = None
    """The conversation's session (a satellite, a client host), when it has one."""
    speculation: Speculation | None = None
    """The reply the turn started at a pause (``turn_taking``); the model's step uses it when it
    answers this very request on the same history."""

    @property
    def english(self) -> bool:
        return not self.language or self.language.replace("_", "-").split("-")[0].lower() == "en"
