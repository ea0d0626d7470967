"""Typed application keys: what the handlers may reach, injected by ``create_app``."""

from __future__ import annotations

from aiohttp import web

from ..conversation.agent import Agent
from ..satellites.manager import SatelliteManager
from ..services import Services
from ..turn_metrics import TurnMetrics
from .live_config import LiveConfig

SERVICES = web.AppKey("services", Services)
"""The shared services (the composition root's): ``/ws`` runs its turns on their pipeline."""

AGENT = web.AppKey("agent", Agent)
"""The conversation agent (its history store backs ``/conversations``)."""

SATELLITES = web.AppKey("satellites", SatelliteManager)
"""The satellite manager (state listing, announcements); absent when the server has none."""

METRICS = web.AppKey("metrics", TurnMetrics)
"""Counters and histograms over every finished turn, every face."""

CONFIG = web.AppKey("config", LiveConfig)
"""The configured settings and the way to change them."""

SOCKETS = web.AppKey[set[web.WebSocketResponse]]("sockets")
"""Open ``/ws`` connections, closed on shutdown."""
