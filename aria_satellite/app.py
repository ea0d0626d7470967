"""Builds the satellite from its settings and runs it until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from wyoming.info import Attribution, Info
from wyoming.info import Satellite as SatelliteInfo

from aria_wire.zeroconf import WyomingAdvertisement

from . import __version__
from .controllers import Controller, ControllerLink, Controllers, TurnRouter, WyomingFace
from .echo import WebRtcEchoCanceller
from .hooks import Hooks
from .mic import create_mic
from .satellite import Satellite
from .server import SatelliteServer
from .settings import MAX_WAKE_WORDS, SatelliteSettings
from .speaker import create_sink
from .timing import TimingLog
from .volume import Volume, VolumeSink
from .wake import WakeWords

if TYPE_CHECKING:
    from .esphome.service import EsphomeService

_LOGGER = logging.getLogger(__name__)


def build_info(settings: SatelliteSettings) -> Info:
    """The ``info`` answer: a satellite, with its wake words (model names) when it has them."""
    return Info(
        satellite=SatelliteInfo(
            name=settings.name,
            description=f"Aria satellite {settings.name}",
            attribution=Attribution(name="Aria", url="https://pypi.org/project/aria-voice/"),
            installed=True,
            version=__version__,
            area=settings.area,
            has_vad=False,
            active_wake_words=[word.model for word in settings.wake.words],
            max_active_wake_words=MAX_WAKE_WORDS,
        )
    )


async def serve(settings: SatelliteSettings, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    """Run the satellite until ``stop`` is set; ``ready`` is set once the port is open."""
    timing = TimingLog(settings.timing_log)
    wake = WakeWords.load(settings.wake)
    mic = create_mic(settings.mic, on_file_start=lambda t0: timing.write("mic-file-start", t0, file=str(settings.mic.file)))
    server = SatelliteServer(settings.host, settings.port, build_info(settings), settings.wyoming)
    hooks = Hooks(settings.hook_command, settings.events_socket)
    echo = WebRtcEchoCanceller(noise_suppression=settings.noise_suppression, auto_gain=settings.noise_suppression)
    # Both faces reach the satellite through one router: one turn at a time (controllers.py).
    controllers = Controllers(TurnRouter(tuple(wake.names) if wake is not None else ()))
    wyoming = WyomingFace(server, controllers)
    volume = Volume()  # Home Assistant's media player sets it; it scales everything played
    speaker = VolumeSink(create_sink(settings.snd), volume)
    satellite = Satellite(
        settings, mic=mic, speaker=speaker, wake=wake, link=controllers, timing=timing, hooks=hooks, echo=echo
    )
    links: dict[Controller, ControllerLink] = {Controller.WYOMING: wyoming}
    esphome: EsphomeService | None = None
    if settings.esphome.enabled:
        # Imported only when used: protobuf, aioesphomeapi and cryptography stay out of a
        # --no-esphome satellite's memory.
        from .esphome.service import EsphomeService

        esphome = EsphomeService(settings, satellite, controllers, volume)
        links[Controller.ESPHOME] = esphome.bridge
    controllers.attach(satellite, links)
    advertisement: WyomingAdvertisement | None = None
    try:
        await server.start(wyoming)
        if esphome is not None:
            try:
                await esphome.start()
                timing.write("esphome-ready", port=esphome.port)
            except OSError as err:
                # The Wyoming satellite still works; the second face is reported missing, loudly.
                _LOGGER.error("ESPHome API not started (%s): pass --esphome-port or --no-esphome", err)
                esphome = None
        if settings.zeroconf:
            advertisement = WyomingAdvertisement(
                settings.name, settings.host, server.port, {"program": "aria-satellite", "satellite": settings.name}
            )
            await advertisement.start()
        _LOGGER.info("satellite %s ready on tcp://%s:%d", settings.name, settings.host, server.port)
        timing.write("ready", port=server.port)
        if ready is not None:
            ready.set()
        async with asyncio.TaskGroup() as group:
            runner = group.create_task(satellite.run(), name="satellite")
            bridge = group.create_task(esphome.run(), name="esphome") if esphome is not None else None
            await stop.wait()  # a failing satellite cancels this wait and the group re-raises
            runner.cancel()
            if bridge is not None:
                bridge.cancel()
    finally:
        if advertisement is not None:
            await advertisement.stop()
        if esphome is not None:
            await esphome.stop()
        await server.stop()
        if wake is not None:
            wake.close()
        timing.close()


async def run(settings: SatelliteSettings) -> None:
    """``serve`` with SIGTERM and SIGINT wired to a clean stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)
