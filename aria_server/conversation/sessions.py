"""One conversation per satellite or session, until it has been idle too long.

A follow-up question within ``idle_s`` continues the same conversation (and so sees its
history); after that, the next request starts a new one. The store is asked on a miss, so a
restarted server continues a satellite's conversation that was active a moment ago.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..store.history import HistoryStore


def new_conversation_id() -> str:
    """A fresh, unguessable conversation id."""
    return uuid.uuid4().hex


@dataclass
class _Entry:
    conversation_id: str
    last_used: float


class ConversationSessions:
    """Session key (satellite name, connection, browser tab) -> its current conversation id."""

    def __init__(
        self, store: HistoryStore, idle_s: float, *, clock: Callable[[], float] = time.time, max_sessions: int = 4096
    ) -> None:
        self.store = store
        self.idle_s = idle_s
        self.clock = clock
        self._sessions: OrderedDict[str, _Entry] = OrderedDict()
        self._owners: dict[str, str] = {}
        self._max = max_sessions

    async def conversation_for(self, session: str) -> str:
        """The session's conversation, or a new one when it has been idle for ``idle_s`` or more."""
        now = self.clock()
        entry = self._sessions.get(session)
        if entry is None:
            stored = await self.store.latest_conversation(session, idle_s=self.idle_s, now=now)
            entry = _Entry(stored or new_conversation_id(), now)
        elif now - entry.last_used >= self.idle_s:
            entry = _Entry(new_conversation_id(), now)
        entry.last_used = now
        self._remember(session, entry)
        return entry.conversation_id

    def restart(self, session: str) -> str:
        """A new conversation for ``session`` now (the user asked to forget the context)."""
        entry = _Entry(new_conversation_id(), self.clock())
        self._remember(session, entry)
        return entry.conversation_id

    def _remember(self, session: str, entry: _Entry) -> None:
        previous = self._sessions.get(session)
        if previous is not None and previous.conversation_id != entry.conversation_id:
            self._owners.pop(previous.conversation_id, None)
        self._sessions[session] = entry
        self._sessions.move_to_end(session)
        self._owners[entry.conversation_id] = session
        while len(self._sessions) > self._max:
            _, dropped = self._sessions.popitem(last=False)
            self._owners.pop(dropped.conversation_id, None)

    def touch(self, conversation_id: str) -> None:
        """A turn of this conversation just ended: its idle time starts again."""
        session = self._owners.get(conversation_id)
        if session is not None and (entry := self._sessions.get(session)) is not None:
            entry.last_used = self.clock()

    def session_of(self, conversation_id: str) -> str | None:
        """The session a conversation belongs to, when it came from ``conversation_for``."""
        return self._owners.get(conversation_id)
