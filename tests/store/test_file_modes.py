"""The history is private like the settings and the token: 0700 directory, 0600 files, also
for a data directory an older version left 0755/0644 (issue 13, item 9)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aria_server.store import Database, HistoryStore, NewTurn


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _write_a_turn(data_dir: Path) -> None:
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        await HistoryStore(db).add_turn(
            NewTurn(conversation_id="c", user_text="hi", reply_text="hello", source="intent", started_at=1.0,
                    ended_at=2.0, session=None, language="en", backend=None, model=None)
        )
        # While open, the WAL and shared-memory files exist: they must be private too.
        wal, shm = Path(f"{db.path}-wal"), Path(f"{db.path}-shm")
        assert wal.exists() and _mode(wal) == 0o600
        assert shm.exists() and _mode(shm) == 0o600
    finally:
        await db.close()
    assert _mode(db.path) == 0o600


async def test_a_new_data_directory_and_database_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which gave 0755 and 0644
    try:
        data_dir = tmp_path / "fresh"
        await _write_a_turn(data_dir)
        assert _mode(data_dir) == 0o700
    finally:
        os.umask(old_umask)


async def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    (data_dir / "aria.db").touch()
    os.chmod(data_dir / "aria.db", 0o644)
    await _write_a_turn(data_dir)
    assert _mode(data_dir) == 0o700 and _mode(data_dir / "aria.db") == 0o600
