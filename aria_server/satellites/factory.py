"""Builds the satellite manager from the server's settings and the shared services."""

from __future__ import annotations

from ..services import Services
from ..settings import ServerSettings
from .manager import SatelliteManager


def create_manager(settings: ServerSettings, services: Services, own_port: int | None) -> SatelliteManager:
    """The manager for ``--satellite`` addresses and (with zeroconf on) discovered satellites.

    Without a conversation agent in ``services``, satellites still connect, and their turns end
    with a ``no-agent`` error.
    """
    return SatelliteManager(
        services,
        settings.satellites,
        addresses=settings.satellite,
        browse=settings.zeroconf,
        own_port=own_port,
    )
