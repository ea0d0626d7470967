"""Persists the configuration changes made through the API, atomically, in the data directory.

Only the leaves a user changed are kept (``<data-dir>/config.json``, a partial settings tree),
so a later edit of the TOML file still reaches every other key. Layering at start-up, done once
in ``config.load_settings``::

    defaults < TOML file < persisted dashboard changes < environment < command line

The dashboard's changes are the user's most recent deliberate choice, so they beat the file;
the environment and command line are what the operator pinned for this run, so they still win.

A save writes a temporary file, fsyncs it, renames it over the old one and fsyncs the directory:
after ``save`` returns, the change survives ``kill -9`` and a power cut, and a crash mid-write
leaves the previous version whole.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .concurrency import run_blocking
from .errors import ConfigError
from .private_files import private_dir

PERSISTED_FILE = "config.json"
"""Name of the file, in the data directory, holding the dashboard's changes."""
LAST_GOOD_FILE = "config.last-good.json"
"""The dashboard changes in effect at the last start that opened every port. When the saved
changes cannot start, the server starts on these instead (and says so) rather than not at all."""


def persisted_path(data_dir: Path) -> Path:
    """Where the dashboard's changes are kept for this data directory."""
    return data_dir / PERSISTED_FILE


def last_good_path(data_dir: Path) -> Path:
    """Where the changes of the last good start are kept."""
    return data_dir / LAST_GOOD_FILE


def read_last_good(data_dir: Path) -> dict[str, Any] | None:
    """The changes the last good start ran with; None when no start has succeeded yet."""
    if not last_good_path(data_dir).exists():
        return None
    return read_persisted(data_dir, last_good_path(data_dir))


def save_last_good(data_dir: Path, overlay: Mapping[str, Any]) -> None:
    """Record ``overlay`` as the one a start succeeded with (blocking; atomic and owner-only)."""
    data = json.dumps(overlay, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    _write_atomically(last_good_path(data_dir), data)


def read_persisted(data_dir: Path, path: Path | None = None) -> dict[str, Any]:
    """The persisted partial tree ({} when there is none); ConfigError when it is unreadable.

    Blocking: call it at start-up or through ``run_blocking``.
    """
    path = path or persisted_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise ConfigError(f"cannot read persisted settings {path}: {err}") from err
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"persisted settings {path} are not valid JSON ({err}); fix or delete the file") from err
    if not isinstance(tree, dict):
        raise ConfigError(f"persisted settings {path} must hold a JSON object; fix or delete the file")
    return tree


def _write_atomically(path: Path, data: bytes) -> None:
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    # Owner-only: the tree may hold a secret such as an LLM server's API key.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    # The rename itself is only durable once the directory entry is on disk.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class ConfigStore:
    """The persisted partial tree of one data directory; saves are serialised by a lock."""

    def __init__(self, data_dir: Path, overlay: Mapping[str, Any] | None = None) -> None:
        self.path = persisted_path(data_dir)
        self._overlay: dict[str, Any] = json.loads(json.dumps(overlay or {}))
        self.lock = asyncio.Lock()
        """Held by a caller across read-merge-save so concurrent changes do not lose each other."""

    @classmethod
    async def open(cls, data_dir: Path, *, last_good: bool = False) -> ConfigStore:
        """The store with what is on disk now (read off the event loop).

        ``last_good``: start from the last good start's changes instead of the saved ones (the
        server runs on those), so the next save replaces the changes that could not start.
        """
        if last_good:
            return cls(data_dir, await run_blocking(None, read_last_good, data_dir))
        return cls(data_dir, await run_blocking(None, read_persisted, data_dir))

    @property
    def overlay(self) -> dict[str, Any]:
        """A copy of the persisted partial tree."""
        copied: dict[str, Any] = json.loads(json.dumps(self._overlay))
        return copied

    async def save(self, overlay: Mapping[str, Any]) -> None:
        """Replace the persisted tree atomically; durable when this returns."""
        data = json.dumps(overlay, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        await run_blocking(None, _write_atomically, self.path, data)
        self._overlay = json.loads(data)
