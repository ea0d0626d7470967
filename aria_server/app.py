"""Runs the server: load models, open the Wyoming port and the HTTP API, advertise, serve until a signal.

Everything is built once from ``services.load_services`` (the composition root) and torn down
in reverse order by one ``AsyncExitStack``, so a failure half-way through start-up still closes
what was already open.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket

from aria_wire.zeroconf import WyomingAdvertisement

from .http.app import start_http
from .satellites.factory import create_manager
from .services import Services, aclose_services, load_services
from .settings import ServerSettings
from .wyoming.handler import AriaEventHandler
from .wyoming.server import WyomingServer

_LOGGER = logging.getLogger(__name__)


def create_wyoming_server(settings: ServerSettings, services: Services) -> WyomingServer:
    """The Wyoming server for these services (not yet started)."""
    factory = functools.partial(AriaEventHandler, services=services, limits=services.limits)
    return WyomingServer(settings.host, settings.wyoming.port, services.limits, factory)


async def serve(settings: ServerSettings, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set, then shut down cleanly (last started, first stopped)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as stack:
        services = await load_services(settings)
        stack.push_async_callback(aclose_services, services)
        wyoming = create_wyoming_server(settings, services)
        stack.push_async_callback(wyoming.stop)
        await wyoming.start()
        satellites = create_manager(settings, services, wyoming.port)
        stack.push_async_callback(satellites.stop)
        await satellites.start()
        http = await start_http(settings, services, satellites)
        stack.push_async_callback(http.stop)
        if settings.zeroconf:
            advertisement = WyomingAdvertisement(f"aria-{socket.gethostname()}", settings.host, wyoming.port)
            stack.push_async_callback(advertisement.stop)
            await advertisement.start()
        _LOGGER.info("Aria is ready: Wyoming tcp://%s:%d", settings.host, wyoming.port)
        await stop.wait()
        _LOGGER.info("stopping")


async def run(settings: ServerSettings) -> None:
    """``serve`` with SIGTERM and SIGINT wired to a clean stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)
