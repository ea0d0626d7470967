"""Aria's additions to the Wyoming satellite protocol (servers that do not know them ignore them).

Satellite -> server:

    playback-started   {"timestamp": ms}   the first sample of the reply is playing now
    satellite-status   {"name", "state", "turns", "wake": {"words", "thresholds", "refractory_s"},
                        "health": {"mic_restarts", "mic_stalls", "speaker_restarts", "stuck_resets",
                                   "wake_reloads", "server_losses", "server_recoveries",
                                   "last_error", "last_error_age_s"}}
                       sent after run-satellite, after every self-healing change and after a config
    run-pipeline       data["pipeline"]: the pipeline setting the wake word selects (if it has one)
    detection          context["pipeline"]: the same

Server -> satellite:

    satellite-config   {"wake_threshold": 0-1, "wake_refractory_s": s}   either may be absent;
                       answered by satellite-status, or error code "bad-config"
    transcribe         context {"seconds": s}: listen without a wake word (for at most s), as
                       soon as what is playing has ended
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PLAYBACK_STARTED = "playback-started"
SATELLITE_STATUS = "satellite-status"
SATELLITE_CONFIG = "satellite-config"


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
