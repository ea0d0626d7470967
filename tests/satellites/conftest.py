"""Fixtures: Piper clips, satellite processes, and an in-process satellite manager on the shared models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest

from aria_server.satellites.manager import SatelliteManager
from aria_server.services import Services
from aria_server.settings import SatellitesSettings

from .harness import ClipMaker, SatelliteProcess

StartSatellite = Callable[..., Awaitable[SatelliteProcess]]
StartManager = Callable[..., Awaitable[SatelliteManager]]


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipMaker:
    """Clips spoken by the bundled Piper voice (made once per session)."""
    return ClipMaker(tmp_path_factory.mktemp("clips"))


@pytest.fixture
async def start_satellite(tmp_path: Path) -> AsyncIterator[StartSatellite]:
    """Starts ``aria-satellite`` processes; all are stopped after the test."""
    started: list[SatelliteProcess] = []

    async def start(name: str, *options: str, port: int = 0, zeroconf: bool = False) -> SatelliteProcess:
        satellite = await SatelliteProcess.start(tmp_path, name, *options, port=port, zeroconf=zeroconf)
        started.append(satellite)
        return satellite

    yield start
    for satellite in started:
        await satellite.stop()


@pytest.fixture
async def start_manager(services: Services) -> AsyncIterator[StartManager]:
    """Starts in-process satellite managers on the session's models (agent: local intents only)."""
    started: list[SatelliteManager] = []

    async def start(addresses: Sequence[str], browse: bool = False, **options: float) -> SatelliteManager:
        assert services.agent is not None
        manager = SatelliteManager(
            services, SatellitesSettings(ping_interval_s=1.0, **options), addresses=addresses, browse=browse
        )
        await manager.start()
        started.append(manager)
        return manager

    yield start
    for manager in started:
        await manager.stop()
