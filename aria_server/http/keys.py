"""Typed application keys: what the handlers may reach, injected by ``create_app``."""

from __future__ import annotations

from aiohttp import web

from ..pipeline.turn import VoicePipeline
from ..wyoming.handler import Services
from .live_config import LiveConfig

SERVICES = web.AppKey("services", Services)
"""The loaded stage services shared with the Wyoming face."""

PIPELINE = web.AppKey("pipeline", VoicePipeline)
"""The one voice pipeline; ``/ws`` runs its turns through it."""

CONFIG = web.AppKey("config", LiveConfig)
"""The configured settings and the way to change them."""

SOCKETS = web.AppKey("sockets", set[web.WebSocketResponse])
"""Open ``/ws`` connections, closed on shutdown."""
