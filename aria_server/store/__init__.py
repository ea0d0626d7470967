"""Persistent state in SQLite: conversation history (one row per turn) with per-turn timings."""

from __future__ import annotations

from .db import Database
from .history import ConversationRecord, ConversationSummary, HistoryStore, NewTurn, TurnRecord

__all__ = ["ConversationRecord", "ConversationSummary", "Database", "HistoryStore", "NewTurn", "TurnRecord"]
