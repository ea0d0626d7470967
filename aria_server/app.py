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
from pathlib import Path

from aria_wire.zeroconf import WyomingAdvertisement

from .concurrency import run_blocking
from .config_checks import startup_problems
from .config_store import read_persisted, save_last_good
from .errors import ConfigError
from .http.app import start_http
from .private_files import private_dir
from .satellites.factory import create_manager
from .services import Services, aclose_services, load_services
from .settings import ServerSettings
from .wyoming.handler import AriaEventHandler
from .wyoming.info import build_info
from .wyoming.server import WyomingServer
from .wyoming.trust import TrustedClients

_LOGGER = logging.getLogger(__name__)


def create_wyoming_server(settings: ServerSettings, services: Services) -> WyomingServer:
    """The Wyoming server for these services (not yet started)."""
    # What describe answers is built here, by the face's owner, from the loaded stages.
    info = build_info(services.stt, services.tts, services.agent)
    factory = functools.partial(
        AriaEventHandler, services=services, info=info, limits=services.limits,
        idle_timeout_s=settings.wyoming.idle_timeout_s, trusted=TrustedClients(settings.ha.trusted_clients),
    )
    return WyomingServer(
        settings.host, settings.wyoming.port, services.limits, factory,
        max_connections=settings.wyoming.max_connections,
        max_per_peer=settings.wyoming.max_connections_per_peer,
    )


STOP_GRACE_S = 10.0
"""Longest clean shutdown after SIGTERM/SIGINT before the remaining work is cancelled."""


async def serve(
    settings: ServerSettings,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    *,
    start_problem: str | None = None,
) -> None:
    """Serve until ``stop`` is set, then shut down cleanly (last started, first stopped).

    ``ready`` is set once every port is open. ``start_problem``: why the saved configuration
    could not start (these settings are the last good ones); reported by ``/health``. A start
    on the saved configuration that opens every port records it as the last good one.
    """
    await run_blocking(None, private_dir, settings.data_dir)
    problems = await run_blocking(None, startup_problems, settings)
    if problems:
        raise ConfigError("; ".join(f"setting {path}: {problem}" for path, problem in problems.items()))
    async with contextlib.AsyncExitStack() as stack:
        services = await load_services(settings)
        stack.push_async_callback(aclose_services, services)
        wyoming = create_wyoming_server(settings, services)
        stack.push_async_callback(wyoming.stop)
        try:
            await wyoming.start()
        except OSError as err:
            raise ConfigError(f"cannot listen on Wyoming port {settings.wyoming.port}: {err}", code="port-unavailable") from err
        satellites = create_manager(settings, services, wyoming.port)
        stack.push_async_callback(satellites.stop)
        await satellites.start()
        try:
            http = await start_http(settings, services, satellites, start_problem=start_problem)
        except OSError as err:
            raise ConfigError(f"cannot listen on HTTP port {settings.http.port}: {err}", code="port-unavailable") from err
        stack.push_async_callback(http.stop)
        if settings.zeroconf:
            advertisement = WyomingAdvertisement(f"aria-{socket.gethostname()}", settings.host, wyoming.port)
            stack.push_async_callback(advertisement.stop)
            await advertisement.start()
        _LOGGER.info("Aria is ready: Wyoming tcp://%s:%d", settings.host, wyoming.port)
        if ready is not None:
            ready.set()
        if start_problem is None:
            await run_blocking(None, _record_last_good, settings.data_dir)
        await stop.wait()
        _LOGGER.info("stopping")


def _record_last_good(data_dir: Path) -> None:
    try:
        save_last_good(data_dir, read_persisted(data_dir))
    except (ConfigError, OSError) as err:
        _LOGGER.warning("could not record this configuration as the last good one: %s", err)


async def run(settings: ServerSettings, *, start_problem: str | None = None) -> None:
    """``serve`` with SIGTERM and SIGINT wired to a stop that works at any moment.

    Once ready, a signal starts the clean shutdown (bounded by STOP_GRACE_S). During start-up
    (models loading, a language model warming up) there is nothing to drain, so a signal cancels
    the start at once; a second signal cancels whatever is left.
    """
    stop = asyncio.Event()
    ready = asyncio.Event()
    serving = asyncio.create_task(serve(settings, stop, ready, start_problem=start_problem), name="aria-serve")
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if not ready.is_set() or stop.is_set():
            _LOGGER.info("%s: stopping now", sig.name)
            serving.cancel()
        else:
            _LOGGER.info("%s: stopping", sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, on_signal, sig)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.done():
            await asyncio.wait({serving}, timeout=STOP_GRACE_S)
        if not serving.done():
            _LOGGER.warning("clean shutdown took over %.0f s: cancelling the rest", STOP_GRACE_S)
            serving.cancel()
            await asyncio.wait({serving})
        if not serving.cancelled():
            serving.result()  # a start-up failure (ConfigError) propagates to the caller
    finally:
        stopping.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
