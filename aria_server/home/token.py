"""Where the Home Assistant access token comes from: a file (re-read when it changes) or a setting.

The token is a password to the whole home: it is never logged, never put in an error message,
and a token file readable by others is tightened to 0600 when Aria owns it (``private_files``).
A file is re-read when its modification time changes, so a rotated token is used without a
restart; the read is a stat and a small read, done off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HomeUnauthorized
from ..private_files import private_file

_LOGGER = logging.getLogger(__name__)


@dataclass
class TokenSource:
    """The current token: ``file`` when set, else ``value``."""

    file: Path | None = None
    value: str | None = None
    _cached: tuple[float, str] | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never the token itself
        return f"TokenSource(file={self.file!s})"

    async def current(self) -> str:
        """The token to send (HomeUnauthorized when none is configured or the file is unreadable)."""
        if self.file is None:
            if not self.value:
                raise HomeUnauthorized("no Home Assistant token is configured (--ha-token-file)")
            return self.value
        return await asyncio.to_thread(self._read_file, self.file)

    def _read_file(self, path: Path) -> str:
        try:
            mtime = os.stat(path).st_mtime_ns
            if self._cached is not None and self._cached[0] == mtime:
                return self._cached[1]
            private_file(path)  # exists: only tightened (Aria's own file) or left alone
            token = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise HomeUnauthorized(f"the Home Assistant token file {path} cannot be read: {err.strerror}") from err
        if not token:
            raise HomeUnauthorized(f"the Home Assistant token file {path} is empty")
        self._cached = (mtime, token)
        return token
