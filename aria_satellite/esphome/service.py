"""The ESPHome API as one service of the satellite: built from settings, started, run, stopped.

``EsphomeService`` composes the parts (identity, key, media player, voice bridge, server,
advertisement) around a running ``Satellite`` and its ``Controllers``; ``app.serve`` owns it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aria_wire.zeroconf import WyomingAdvertisement

from .. import __version__
from ..controllers import Controller, Controllers
from ..satellite import Satellite
from ..settings import SatelliteSettings, default_data_dir
from ..state import State
from ..volume import Volume
from .discovery import esphome_advertisement
from .entities import MediaPlayer
from .identity import DeviceIdentity
from .keys import read_key_file
from .playback import Playbacks
from .server import KEY_FILE, DeviceDescription, EsphomeServer
from .tts import Opener
from .voice import VoiceBridge

_LOGGER = logging.getLogger(__name__)


class _SatelliteSpeaker:
    """The satellite's speaker as ``playback.PlayerHost``."""

    def __init__(self, satellite: Satellite) -> None:
        self._satellite = satellite

    @property
    def state(self) -> State:
        return self._satellite.state

    @property
    def speaker_rate(self) -> int:
        return self._satellite.player.sink.rate

    def play_sound(self, stream: str, pcm: bytes, rate: int) -> None:
        self._satellite.player.play(stream, pcm, rate)

    def stop_playing(self) -> None:
        self._satellite.player.stop()


class EsphomeService:
    """Home Assistant's face of one satellite."""

    def __init__(
        self, settings: SatelliteSettings, satellite: Satellite, controllers: Controllers, volume: Volume,
        opener: Opener | None = None,
    ) -> None:
        self.settings = settings
        esphome = settings.esphome
        self.data_dir: Path = esphome.data_dir or default_data_dir(settings.name)
        self.identity = DeviceIdentity.load_or_create(self.data_dir)
        key = esphome.key
        provisioned = self.data_dir / KEY_FILE
        if key is None and provisioned.exists():
            key = read_key_file(provisioned)  # set by Home Assistant before a restart
        speaker = _SatelliteSpeaker(satellite)
        media = MediaPlayer(settings.snd.rate, volume)
        self.bridge = VoiceBridge(controllers, lambda bridge: Playbacks(
            speaker, lambda event: controllers.from_controller(Controller.ESPHOME, event),
            bridge.playback_finished, opener,
        ))
        satellite.playback_listeners.append(lambda stream, completed: self.bridge.playbacks.stream_ended(completed))
        self.server = EsphomeServer(
            settings.host, esphome.port,
            DeviceDescription(settings.name, self.identity.mac, __version__, settings.area),
            controllers=controllers, bridge=self.bridge, media=media, key=key, data_dir=self.data_dir,
        )
        self._advertisement: WyomingAdvertisement | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return self.server.port

    async def start(self) -> None:
        """Bind (OSError when the port is taken) and advertise."""
        await self.server.start()
        if self.settings.zeroconf:
            self._advertisement = esphome_advertisement(
                self.settings.name, self.settings.host, self.server.port, self.identity, __version__,
                self.server.key is not None,
            )
            await self._advertisement.start()

    async def run(self) -> None:
        """The bridge's tasks, until cancelled."""
        await self.bridge.run()

    async def stop(self) -> None:
        """Withdraw the advertisement and close every client."""
        if self._advertisement is not None:
            await self._advertisement.stop()
        await self.server.stop()
