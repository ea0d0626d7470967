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
ARIA_KEY = "aria"
"""Data key of ``run-satellite`` by which Aria's server identifies itself."""


def aria_run_satellite() -> Event:
    """``run-satellite`` as Aria's server sends it."""
    event = RunSatellite().event()
    return Event(type=event.type, data={**(event.data or {}), ARIA_KEY: {"extensions": [PLAYBACK_STARTED]}})


def from_aria_server(run_satellite: Event) -> bool:
    """Whether a ``run-satellite`` came from Aria's server."""
    return isinstance((run_satellite.data or {}).get(ARIA_KEY), dict)
