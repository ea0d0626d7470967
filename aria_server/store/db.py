"""One SQLite database file, used from one dedicated thread, in WAL mode.

``sqlite3`` blocks, so every statement runs on a single-thread executor (C8): the event loop
never waits on the disk, and one connection used from one thread needs no locking. Each
``run(fn)`` is one transaction, committed before it returns: with WAL and
``synchronous=NORMAL`` a committed transaction survives ``kill -9`` of the process (only a
power cut can lose the last few), which is the durability a turn needs.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..concurrency import model_executor, run_blocking
from ..errors import ConfigError
from ..private_files import private_dir, private_file

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

DB_FILE = "aria.db"
"""Name of the database file inside the data directory."""

# Each entry migrates from user_version == index to index + 1; append, never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        session TEXT,
        started_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX conversations_by_session ON conversations (session, updated_at);
    CREATE INDEX conversations_by_update ON conversations (updated_at);
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        started_at REAL NOT NULL,
        ended_at REAL NOT NULL,
        language TEXT,
        user_text TEXT NOT NULL,
        reply_text TEXT NOT NULL,
        source TEXT NOT NULL,
        backend TEXT,
        model TEXT,
        spans TEXT
    );
    CREATE INDEX turns_by_conversation ON turns (conversation_id, id);
    """,
)


class Database:
    """The data directory's SQLite file; ``open`` before use, ``close`` at shutdown."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = model_executor("sqlite")
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Database:
        """The database of a data directory (``<data-dir>/aria.db``)."""
        return cls(data_dir / DB_FILE)

    async def open(self) -> None:
        """Create or migrate the schema; ConfigError when the file cannot be used."""
        await run_blocking(self._executor, self._open)

    def _open(self) -> None:
        try:
            private_dir(self.path.parent)
            # Created 0600 before SQLite opens it: the WAL and SHM files copy its mode.
            for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                if path == self.path or path.exists():
                    private_file(path)
            # isolation_level=None: transactions are explicit (BEGIN in _transaction), so a
            # statement never opens one behind our back.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            self._migrate(conn)
        except (sqlite3.Error, OSError) as err:
            raise ConfigError(f"cannot open the database {self.path}: {err}", code="bad-database") from err
        self._conn = conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(f"schema version {version} is newer than this Aria ({len(MIGRATIONS)})")
        for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
            # executescript commits first; the script and the version bump are one transaction.
            conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {target}; COMMIT;")
            _LOGGER.info("database %s migrated to schema %d", self.path, target)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)`` as one transaction on the database thread; committed on return."""
        return await run_blocking(self._executor, self._transaction, fn)

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        if conn is None:
            raise RuntimeError("database is not open")
        conn.execute("BEGIN")
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL) and stop the thread."""
        if self._conn is not None:
            await run_blocking(self._executor, self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=True)
