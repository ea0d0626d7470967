"""The conversation stage as every face sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from .speculation import Speculation


class ConversationAgent(Protocol):
    """Answers a user's text within a conversation, streaming text deltas."""

    def reply(
        self, conversation_id: str, text: str, *, language: str | None = None, timers_ring: bool = True,
        satellite: str | None = None, trusted: bool = False, speculation: Speculation | None = None,
    ) -> AsyncIterator[str]:
        """Text deltas of the answer as they are produced (``timers_ring``: False where a timer
        set now would ring nowhere, so one is refused instead; ``satellite``: the name of the
        satellite that heard the request, so "the light" can mean the light in its room;
        ``trusted``: whether the requester may ask for security-sensitive actions;
        ``speculation``: the reply the turn started at a pause, see ``speculate``).

        Cancellable at any point (barge-in closes the iterator); the turn is stored in the
        conversation's history when the answer completes. Failures of the language model are
        answered with a short spoken-style apology rather than raised, so a turn always ends
        with something to say; only cancellation propagates.
        """
        ...

    async def speculate(
        self, conversation_id: str, text: str, *, language: str | None = None, satellite: str | None = None
    ) -> Speculation | None:
        """Start the reply to ``text``, the quick transcript of a pause that looks like the end of
        the turn, before the turn has ended; None when this request is not speculated on.
        ``satellite``: where it was heard, as for ``reply`` (the prompt must be the commit's).

        Only the generation starts: nothing is spoken, done or stored until ``reply`` is asked
        the same request with it (it then continues the speculation), and ``Speculation.cancel``
        stops it. Cheap and side-effect free otherwise: it is asked while the user may still speak.
        """
        ...
