"""The conversation history in SQLite: a committed row per turn, spans, listing, durability."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.store import Database, HistoryStore, NewTurn


def turn(conversation_id: str, n: int, *, session: str | None = None, at: float = 1000.0) -> NewTurn:
    return NewTurn(
        conversation_id=conversation_id, user_text=f"question {n}", reply_text=f"answer {n}", source="llm",
        started_at=at + n, ended_at=at + n + 0.5, session=session, language="en", backend="embedded", model="m",
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[HistoryStore]:
    db = Database.in_data_dir(tmp_path)
    await db.open()
    yield HistoryStore(db)
    await db.close()


async def test_turns_come_back_in_order_and_survive_reopening(tmp_path: Path, store: HistoryStore) -> None:
    for n in range(5):
        await store.add_turn(turn("c1", n))
    await store.add_turn(turn("c2", 0))
    recent = await store.recent_turns("c1", limit=3)
    assert [t.user_text for t in recent] == ["question 2", "question 3", "question 4"]
    await store.db.close()
    reopened = Database.in_data_dir(tmp_path)
    await reopened.open()
    try:
        assert len(await HistoryStore(reopened).recent_turns("c1")) == 5
    finally:
        await reopened.close()


async def test_spans_attach_to_the_latest_turn_and_merge(store: HistoryStore) -> None:
    first = await store.add_turn(turn("c1", 0))
    second = await store.add_turn(turn("c1", 1))
    assert await store.attach_spans("c1", {"stt_ms": 180.5}) == second
    assert await store.attach_spans("c1", {"tts_first_ms": 90, "stt_ms": 181}) == second
    assert await store.attach_spans("c1", {"llm_first_ms": 60}, turn_id=first) == first
    assert await store.attach_spans("nobody", {"x": 1}) is None
    assert await store.attach_spans("c2", {"x": 1}, turn_id=first) is None  # not that conversation's turn
    turns = (await store.get_conversation("c1")).turns  # type: ignore[union-attr]
    assert turns[0].spans == {"llm_first_ms": 60}
    assert turns[1].spans == {"stt_ms": 181, "tts_first_ms": 90}


async def test_conversations_are_listed_newest_first_and_read_whole(store: HistoryStore) -> None:
    await store.add_turn(turn("old", 0, session="kitchen", at=100.0))
    await store.add_turn(turn("new", 0, at=200.0))
    await store.add_turn(turn("new", 1, at=200.0))
    listed = await store.list_conversations()
    assert [c.id for c in listed] == ["new", "old"]
    assert listed[0].turns == 2 and listed[0].last_user_text == "question 1"
    assert listed[1].session == "kitchen"
    assert [c.id for c in await store.list_conversations(limit=1, offset=1)] == ["old"]
    record = await store.get_conversation("new")
    assert record is not None and [t.reply_text for t in record.turns] == ["answer 0", "answer 1"]
    assert record.turns[0].backend == "embedded" and record.turns[0].language == "en"
    assert await store.get_conversation("missing") is None
    assert await store.delete_conversation("new") and not await store.delete_conversation("new")
    assert await store.recent_turns("new") == []


async def test_a_sessions_conversation_is_found_only_while_it_is_fresh(store: HistoryStore) -> None:
    await store.add_turn(turn("c1", 0, session="kitchen", at=1000.0))
    assert await store.latest_conversation("kitchen", idle_s=300, now=1100.0) == "c1"
    assert await store.latest_conversation("kitchen", idle_s=300, now=2000.0) is None
    assert await store.latest_conversation("hall", idle_s=300, now=1100.0) is None


async def test_the_database_uses_write_ahead_logging(tmp_path: Path, store: HistoryStore) -> None:
    with sqlite3.connect(tmp_path / "aria.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_committed_turn_survives_kill_9_of_the_writer(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from pathlib import Path
        from aria_server.store import Database, HistoryStore, NewTurn

        async def main():
            db = Database.in_data_dir(Path({str(tmp_path)!r}))
            await db.open()
            await HistoryStore(db).add_turn(NewTurn("c1", "hello", "hi", "intent", 1.0, 2.0))
            os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint

        asyncio.run(main())
        """
    )
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script)
    assert await asyncio.wait_for(process.wait(), 60) == -9
    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        turns = await HistoryStore(db).recent_turns("c1")
    finally:
        await db.close()
    assert [(t.user_text, t.reply_text) for t in turns] == [("hello", "hi")]
