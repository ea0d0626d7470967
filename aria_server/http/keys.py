"""Typed application keys: what the handlers may reach, injected by ``create_app``."""

from __future__ import annotations

from aiohttp import web

from ..conversation.agent import Agent
from ..pipeline.turn import VoicePipeline
from ..satellites.manager import SatelliteManager
from ..wyoming.handler import Services
from .live_config import LiveConfig
from .prometheus import TurnMetrics

SERVICES = web.AppKey("services", Services)
"""The loaded stage services shared with the Wyoming face."""

AGENT = web.AppKey("agent", Agent)
"""The conversation agent (its history store backs ``/conversations``)."""

PIPELINE = web.AppKey("pipeline", VoicePipeline)
"""The one voice pipeline; ``/ws`` runs its turns through it."""

SATELLITES = web.AppKey("satellites", SatelliteManager)
"""The satellite manager (state listing, announcements); absent when the server has none."""

METRICS = web.AppKey("metrics", TurnMetrics)
"""Counters and histograms over every finished turn, every face."""

CONFIG = web.AppKey("config", LiveConfig)
"""The configured settings and the way to change them."""

SOCKETS = web.AppKey[set[web.WebSocketResponse]]("sockets")
"""Open ``/ws`` connections, closed on shutdown."""
