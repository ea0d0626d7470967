"""What a request kind needs from its Wyoming connection: the services, the peer, a way to answer.

``AriaEventHandler`` is the one implementation; the request kinds (``asr.py``, ``synthesis.py``,
``handle.py``) see only this Protocol, so they do not import the handler that composes them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias

from wyoming.event import Event

from ..errors import AriaError, ProtocolError
from ..services import Services

EventCallback: TypeAlias = Callable[[Event], Awaitable[None]]
"""Handles one decoded event of a request."""


class Connection(Protocol):
    """One client's connection, as its request kinds use it."""

    services: Services
    peer: Any
    """The socket's ``peername`` (a host/port tuple, or the Unix socket's name)."""

    async def write_event(self, event: Event) -> None:
        """Send one event whole (concurrent writers are serialised)."""

    async def send_error(self, err: AriaError) -> None:
        """Report an error to the client with its stable code."""


class RequestKind(Protocol):
    """One kind of Wyoming request (asr, tts, handle): its events, its failure answer, its cleanup."""

    def routes(self) -> dict[str, EventCallback]:
        """The event types this kind handles, each with its callback."""

    async def fail(self, event: Event, err: AriaError) -> None:
        """Answer ``err`` raised by ``event``: ``error``, then what ends the request for its client."""

    async def close(self) -> None:
        """Drop this kind's in-flight work (the client left)."""


def text_field(value: object, event_type: str) -> str:
    """The event's text, or ProtocolError: JSON lets a client send a number or a list there."""
    if not isinstance(value, str):
        raise ProtocolError(f"{event_type} text must be a string, not {type(value).__name__}", code="bad-event")
    return value
