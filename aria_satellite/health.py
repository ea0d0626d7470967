"""The satellite's self-healing record: what failed, what was restarted, and when.

Every recovery the satellite makes by itself (a microphone restarted, a stuck state reset, a
server that came back) is counted here, logged once, and shown in the satellite's status (sent
to the server as a ``satellite-status`` event, written to the hooks' event stream).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)


@dataclass
class Health:
    """Counters of faults and recoveries since start-up."""

    mic_restarts: int = 0
    """microphone sessions started again after the source died or stalled."""
    mic_stalls: int = 0
    """times no microphone frame arrived within the watchdog's limit."""
    speaker_restarts: int = 0
    """speaker programs or devices reopened after a write hung or failed."""
    stuck_resets: int = 0
    """states left by the watchdog because nothing happened in them (no reply, no audio)."""
    wake_reloads: int = 0
    """times the wake models were reset after a failed analysis."""
    server_losses: int = 0
    """times the current server went away in the middle of running the satellite."""
    server_recoveries: int = 0
    """times a server ran the satellite again after a loss."""
    last_error: str | None = None
    """the latest fault, in words."""
    last_error_age_s: float | None = field(default=None, compare=False)
    _last_error_ns: int | None = field(default=None, repr=False, compare=False)
    _listener: Callable[[Health], None] | None = field(default=None, repr=False, compare=False)

    def fault(self, counter: str, error: str) -> None:
        """Count a fault (``counter`` names a field) and remember it as the last error."""
        setattr(self, counter, getattr(self, counter) + 1)
        self.last_error = error
        self._last_error_ns = time.monotonic_ns()
        _LOGGER.warning("self-healing: %s (%s = %d)", error, counter, getattr(self, counter))
        self._changed()

    def count(self, counter: str) -> None:
        """Count a recovery that is not an error (``counter`` names a field)."""
        setattr(self, counter, getattr(self, counter) + 1)
        self._changed()

    def on_change(self, listener: Callable[[Health], None]) -> None:
        """Call ``listener`` after every change."""
        self._listener = listener

    def _changed(self) -> None:
        if self._listener is not None:
            self._listener(self)

    def snapshot(self) -> dict[str, Any]:
        """The counters as plain data (JSON-ready)."""
        data = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        if self._last_error_ns is not None:
            data["last_error_age_s"] = round((time.monotonic_ns() - self._last_error_ns) / 1e9, 1)
        return data
