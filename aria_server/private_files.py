"""Owner-only files and directories for what the data directory holds.

The history (``aria.db`` and its WAL), the settings (``config.json``, which may hold an API
key) and the API token are private: the directory is 0700 and each file 0600, also when an
older version created them with the umask's 0755/0644 (they are tightened at start-up).
SQLite gives its ``-wal`` and ``-shm`` files the main database file's mode, so creating that
file 0600 before SQLite opens it covers all three.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

_LOGGER = logging.getLogger(__name__)


def _tighten(path: Path, mode: int) -> None:
    """Drop group/other bits of an existing path we own (someone else's is left alone)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    os.chmod(path, mode)
    _LOGGER.info("%s was readable by others: now %o", path, mode)


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) owner-only, or tighten it when it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create an empty ``path`` owner-only if it is missing, or tighten it when it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)
