"""What a server may ask of the satellite beyond Wyoming's own events, read strictly.

The event names and who may be sent what are in ``aria_wire.extensions`` (shared with the
server); this module reads their data:

    satellite-config   {"wake_threshold": 0-1, "wake_refractory_s": s}   either may be absent;
                       answered by satellite-status, or an error with code "bad-config"
    transcribe         context {"seconds": s}: listen without a wake word (for at most s), as
                       soon as what is playing has ended (Wyoming's own event, Aria's context)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WakeConfig:
    """The wake settings a ``satellite-config`` event changes (None: unchanged)."""

    threshold: float | None = None
    refractory_s: float | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> WakeConfig:
        """Read the event's data; TypeError for a value that is not a number."""
        def number(key: str) -> float | None:
            value = data.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{key} must be a number, not {value!r}")
            return float(value)

        return cls(number("wake_threshold"), number("wake_refractory_s"))


def listen_seconds(context: dict[str, Any] | None) -> float | None:
    """The listening limit a ``transcribe`` event's context gives (None: the satellite's own)."""
    seconds = (context or {}).get("seconds")
    return float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0 else None
