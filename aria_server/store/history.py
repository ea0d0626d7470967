"""Conversation history: one row per turn, written when the turn ends.

Times are Unix seconds (wall clock), since they must mean something after a restart. ``spans``
is a JSON object of per-stage timings that the pipeline attaches after the turn
(``{"stt_ms": 180, "llm_first_ms": 60, ...}``); repeated calls merge their keys.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .db import Database

TurnSource = Literal["intent", "home", "llm", "fallback", "apology", "guard", "tool", "solver"]
"""Who answered: a local intent, Home Assistant's intent engine, the language model, a fallback
backend, the failure apology, the truth guard (a request it would have had to invent an answer
or an action for), a tool's own result (the model called it; its result says what happened), or
the solver (arithmetic, conversions, the calendar: computed, never generated)."""


@dataclass(frozen=True)
class NewTurn:
    """A finished turn, as the conversation agent hands it to the store."""

    conversation_id: str
    user_text: str
    reply_text: str
    source: TurnSource
    started_at: float
    """Unix seconds when the user's text arrived."""
    ended_at: float
    session: str | None = None
    """Satellite or session the conversation belongs to, when known."""
    language: str | None = None
    backend: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class TurnRecord:
    """A stored turn."""

    id: int
    conversation_id: str
    started_at: float
    ended_at: float
    language: str | None
    user_text: str
    reply_text: str
    source: str
    backend: str | None
    model: str | None
    spans: dict[str, Any] | None


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation as listed: its id, owner, time span and size."""

    id: str
    session: str | None
    started_at: float
    updated_at: float
    turns: int
    last_user_text: str | None


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation with all its turns, oldest first."""

    summary: ConversationSummary
    turns: list[TurnRecord]


def _turn(row: sqlite3.Row) -> TurnRecord:
    return TurnRecord(
        id=row["id"],
        conversation_id=row["conversation_id"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        language=row["language"],
        user_text=row["user_text"],
        reply_text=row["reply_text"],
        source=row["source"],
        backend=row["backend"],
        model=row["model"],
        spans=json.loads(row["spans"]) if row["spans"] else None,
    )


_SUMMARY_SQL = """
    SELECT c.id, c.session, c.started_at, c.updated_at,
           (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) AS turns,
           (SELECT t.user_text FROM turns t WHERE t.conversation_id = c.id ORDER BY t.id DESC LIMIT 1)
               AS last_user_text
    FROM conversations c
"""


def _summary(row: sqlite3.Row) -> ConversationSummary:
    return ConversationSummary(
        id=row["id"],
        session=row["session"],
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        turns=row["turns"],
        last_user_text=row["last_user_text"],
    )


class HistoryStore:
    """Reads and writes conversations; every method is one transaction on the database thread."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_turn(self, turn: NewTurn) -> int:
        """Store a finished turn (creating its conversation if new) and return the turn's id."""

        def write(conn: sqlite3.Connection) -> int:
            conn.execute(
                """
                INSERT INTO conversations (id, session, started_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,
                    session = coalesce(conversations.session, excluded.session)
                """,
                (turn.conversation_id, turn.session, turn.started_at, turn.ended_at),
            )
            cursor = conn.execute(
                """
                INSERT INTO turns (conversation_id, started_at, ended_at, language, user_text, reply_text,
                                   source, backend, model)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    turn.conversation_id, turn.started_at, turn.ended_at, turn.language, turn.user_text,
                    turn.reply_text, turn.source, turn.backend, turn.model,
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return await self.db.run(write)

    async def recent_turns(self, conversation_id: str, limit: int = 64) -> list[TurnRecord]:
        """The last ``limit`` turns of a conversation, oldest first (empty for an unknown id)."""

        def read(conn: sqlite3.Connection) -> list[TurnRecord]:
            rows = conn.execute(
                "SELECT * FROM turns WHERE conversation_id = ? ORDER BY id DESC LIMIT ?", (conversation_id, limit)
            ).fetchall()
            return [_turn(row) for row in reversed(rows)]

        return await self.db.run(read)

    async def attach_spans(
        self, conversation_id: str, spans: Mapping[str, Any], *, turn_id: int | None = None
    ) -> int | None:
        """Merge ``spans`` (JSON-serialisable) into a turn: ``turn_id``, else the conversation's latest.

        Returns the id of the turn updated, or None when there is no such turn.
        """
        payload = json.dumps(dict(spans))

        def write(conn: sqlite3.Connection) -> int | None:
            if turn_id is None:
                row = conn.execute(
                    "SELECT id FROM turns WHERE conversation_id = ? ORDER BY id DESC LIMIT 1", (conversation_id,)
                ).fetchone()
                target = None if row is None else int(row["id"])
            else:
                target = turn_id
            if target is None:
                return None
            cursor = conn.execute(
                "UPDATE turns SET spans = json_patch(coalesce(spans, '{}'), ?) WHERE id = ? AND conversation_id = ?",
                (payload, target, conversation_id),
            )
            return target if cursor.rowcount else None

        return await self.db.run(write)

    async def list_conversations(self, *, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        """Conversations, most recently active first."""

        def read(conn: sqlite3.Connection) -> list[ConversationSummary]:
            rows = conn.execute(_SUMMARY_SQL + " ORDER BY c.updated_at DESC LIMIT ? OFFSET ?", (limit, offset))
            return [_summary(row) for row in rows.fetchall()]

        return await self.db.run(read)

    async def get_conversation(self, conversation_id: str) -> ConversationRecord | None:
        """One conversation with every turn, or None when it does not exist."""

        def read(conn: sqlite3.Connection) -> ConversationRecord | None:
            row = conn.execute(_SUMMARY_SQL + " WHERE c.id = ?", (conversation_id,)).fetchone()
            if row is None:
                return None
            turns = conn.execute(
                "SELECT * FROM turns WHERE conversation_id = ? ORDER BY id", (conversation_id,)
            ).fetchall()
            return ConversationRecord(_summary(row), [_turn(turn) for turn in turns])

        return await self.db.run(read)

    async def delete_conversation(self, conversation_id: str) -> bool:
        """Forget a conversation and its turns; False when it did not exist."""

        def write(conn: sqlite3.Connection) -> bool:
            return conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount > 0

        return await self.db.run(write)

    async def latest_conversation(self, session: str, *, idle_s: float, now: float | None = None) -> str | None:
        """The session's conversation if it was active within ``idle_s`` seconds, else None."""
        since = (time.time() if now is None else now) - idle_s

        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT id FROM conversations WHERE session = ? AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
                (session, since),
            ).fetchone()
            return None if row is None else str(row["id"])

        return await self.db.run(read)
