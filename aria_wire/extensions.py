"""Aria's additions to the Wyoming protocol, used only between Aria's server and Aria's satellite.

Aria's server marks its ``run-satellite`` with ``{"aria": {...}}`` in the event data (other
clients ignore unknown data fields); a satellite sends Aria-only events (``playback-started``)
only to a server that did so. Home Assistant and other servers therefore never get an event type
they do not know.
"""

from __future__ import annotations

from wyoming.event import Event
from wyoming.satellite import RunSatellite

PLAYBACK_STARTED = "playback-started"
"""Aria event type: the first sample of the server's audio is playing now (``played`` ends it)."""
SATELLITE_STATUS = "satellite-status"
"""Aria event type, satellite -> Aria's server: state, wake settings and self-healing counters::

    {"name", "state", "turns", "wake": {"words", "thresholds", "refractory_s"} | null,
     "health": {"mic_restarts", "mic_stalls", "speaker_restarts", "stuck_resets", "wake_reloads",
                "server_losses", "server_recoveries", "last_error", "last_error_age_s"}}

sent after run-satellite, after every self-healing change and after a ``satellite-config``."""
SATELLITE_CONFIG = "satellite-config"
"""Aria event type, server -> satellite: ``{"wake_threshold": 0-1, "wake_refractory_s": s}``
(either may be absent); answered by ``satellite-status``, or ``error`` with code ``bad-config``."""
PIPELINE_KEY = "pipeline"
"""Key, in ``run-pipeline`` data and in ``detection`` context, of the server's pipeline setting
(language, voice or language model) that the wake word selects; absent for the default."""
SPEECH_KEY = "speech_dbfs"
"""Key, in ``detection`` context, of the wake word's speech level (dBFS, the louder half of the
last second); with ``SNR_KEY`` it ranks rooms that heard the same word. Servers that do not know
it ignore it, and a server ranks a satellite that does not send it by score and loudness."""
SNR_KEY = "snr_db"
"""Key, in ``detection`` context, of the wake word's speech level over the room's noise floor, dB."""
ARIA_KEY = "aria"
"""Data key of ``run-satellite`` by which Aria's server identifies itself."""


def aria_run_satellite() -> Event:
    """``run-satellite`` as Aria's server sends it."""
    event = RunSatellite().event()
    extensions = [PLAYBACK_STARTED, SATELLITE_STATUS, SATELLITE_CONFIG]
    return Event(type=event.type, data={**(event.data or {}), ARIA_KEY: {"extensions": extensions}})


def from_aria_server(run_satellite: Event) -> bool:
    """Whether a ``run-satellite`` came from Aria's server."""
    return isinstance((run_satellite.data or {}).get(ARIA_KEY), dict)
