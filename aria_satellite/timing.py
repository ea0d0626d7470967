"""An optional JSON-lines log of monotonic timestamps, read by ``aria-bench turn``.

Each line is ``{"event": NAME, "t_ns": MONOTONIC_NS, ...}``. The monotonic clock is shared by
all processes of a machine, so the benchmark can line these up with a clip's samples.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, TextIO


class TimingLog:
    """Appends one line per event; a no-op without a path."""

    def __init__(self, path: Path | None) -> None:
        # Line-buffered appends of ~100 bytes: cheaper than a thread hop, and only for benchmarks.
        self._file: TextIO | None = path.open("a", buffering=1, encoding="utf-8") if path else None

    def write(self, event: str, t_ns: int | None = None, **data: Any) -> None:
        """Record ``event`` at ``t_ns`` (now when None)."""
        if self._file is not None:
            record = {"event": event, "t_ns": t_ns if t_ns is not None else time.monotonic_ns(), **data}
            self._file.write(json.dumps(record) + "\n")

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
