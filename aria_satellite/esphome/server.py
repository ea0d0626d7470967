"""The ESPHome API server of the satellite: the socket, its clients, and what the device says.

Any number of clients may connect (Home Assistant, an ESPHome dashboard, a test); each gets
Hello, (no-password) authentication, Ping, DeviceInfo, ListEntities, SubscribeStates and the
media player's commands. Voice-assistant messages are taken from the connection subscribed to
the voice assistant only (``VoiceBridge``).

With an encryption key every client must complete the Noise handshake with it. Without one,
Home Assistant releases that provision keys (``NoiseEncryptionSetKeyRequest``) may set one: it
is stored owner-only in the data directory and required from the next connection on.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aioesphomeapi import api_pb2

from aria_wire.accept import AcceptLoop

from ..controllers import Controllers
from .connection import ApiConnection
from .entities import MediaPlayer
from .messages import API_VERSION, BY_ID, Message
from .playback import Kind, Playback
from .voice import VoiceBridge, wake_word_phrase

_LOGGER = logging.getLogger(__name__)

MAX_CONNECTIONS = 8
MAX_PER_PEER = 4
KEY_FILE = "esphome-key"
ESPHOME_VERSION = "2025.10.0"
"""The ESPHome release whose API behaviour the device follows (Home Assistant reads it as the
firmware version)."""


class VoiceFeature:
    """``voice_assistant_feature_flags`` bits (aioesphomeapi's ``VoiceAssistantFeature``)."""

    VOICE_ASSISTANT = 1 << 0
    SPEAKER = 1 << 1
    API_AUDIO = 1 << 2
    TIMERS = 1 << 3
    ANNOUNCE = 1 << 4
    START_CONVERSATION = 1 << 5


SUPPORTED_FEATURES = (
    VoiceFeature.VOICE_ASSISTANT | VoiceFeature.SPEAKER | VoiceFeature.API_AUDIO
    | VoiceFeature.TIMERS | VoiceFeature.ANNOUNCE | VoiceFeature.START_CONVERSATION
)
"""What the satellite really does: turns with audio over the API, its own speaker (the media
player), timers that ring, announcements, start_conversation. Not MULTI_CHANNEL_AUDIO: the echo
reference stays on the device (its echo canceller uses it)."""


@dataclass(frozen=True)
class DeviceDescription:
    """What DeviceInfo reports."""

    name: str
    mac: str
    version: str
    area: str | None = None
    model: str = "Aria satellite"


class EsphomeServer:
    """Listens on host:port and answers each client (the ``Device`` of its connections)."""

    def __init__(
        self,
        host: str,
        port: int,
        description: DeviceDescription,
        *,
        controllers: Controllers,
        bridge: VoiceBridge,
        media: MediaPlayer,
        key: bytes | None,
        data_dir: Path,
    ) -> None:
        self.description = description
        self.name = description.name
        self.mac = description.mac
        self.key = key
        self.data_dir = data_dir
        self.controllers = controllers
        self.bridge = bridge
        self.media = media
        bridge.on_media_state = self._media_playing
        self._state_subscribers: set[ApiConnection] = set()
        self._loop = AcceptLoop(
            host, port, self._accept, line_limit=65_536, name="esphome",
            max_connections=MAX_CONNECTIONS, max_per_peer=MAX_PER_PEER,
        )
        self._handlers: dict[type[Message], Callable[[ApiConnection, Message], None]] = {
            api_pb2.HelloRequest: self._hello,
            BY_ID[3]: self._authenticate,  # ConnectRequest before aioesphomeapi 30, AuthenticationRequest after
            api_pb2.PingRequest: lambda c, m: c.send_nowait(api_pb2.PingResponse()),
            api_pb2.DisconnectRequest: self._disconnect,
            api_pb2.DeviceInfoRequest: lambda c, m: c.send_nowait(self.device_info()),
            api_pb2.ListEntitiesRequest: self._list_entities,
            api_pb2.SubscribeStatesRequest: self._subscribe_states,
            api_pb2.SubscribeVoiceAssistantRequest: lambda c, m: bridge.subscribe(c, m.subscribe),
            api_pb2.VoiceAssistantResponse: self._voice(bridge.on_response),
            api_pb2.VoiceAssistantEventResponse: self._voice(bridge.on_event),
            api_pb2.VoiceAssistantAnnounceRequest: self._voice(bridge.announce),
            api_pb2.VoiceAssistantTimerEventResponse: self._voice(bridge.on_timer),
            api_pb2.VoiceAssistantConfigurationRequest: self._configuration,
            api_pb2.VoiceAssistantSetConfiguration: self._set_configuration,
            api_pb2.MediaPlayerCommandRequest: self._media_command,
            api_pb2.NoiseEncryptionSetKeyRequest: self._set_key,
        }

    @property
    def port(self) -> int:
        """The bound port."""
        return self._loop.port

    async def start(self) -> None:
        """Bind and accept."""
        await self._loop.start()
        _LOGGER.info("ESPHome API on tcp://%s:%d (%s)", self._loop.host, self.port,
                     "encrypted" if self.key else "plaintext")

    async def stop(self) -> None:
        """Close every connection and the socket."""
        await self._loop.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await ApiConnection(reader, writer, self).serve()

    # -- Device ---------------------------------------------------------------------------------------

    def handler(self, message: Message) -> Callable[[ApiConnection, Message], None] | None:
        return self._handlers.get(type(message))

    def closed(self, connection: ApiConnection) -> None:
        self._state_subscribers.discard(connection)
        if self.bridge.subscriber is connection:
            self.bridge.unsubscribe()

    # -- handlers -------------------------------------------------------------------------------------

    def _hello(self, connection: ApiConnection, message: Message) -> None:
        _LOGGER.info("ESPHome client %s: %s (API %d.%d)", connection.peer, message.client_info,
                     message.api_version_major, message.api_version_minor)
        connection.send_nowait(api_pb2.HelloResponse(
            api_version_major=API_VERSION[0], api_version_minor=API_VERSION[1],
            server_info=f"aria-satellite {self.description.version}", name=self.name,
        ))

    def _authenticate(self, connection: ApiConnection, message: Message) -> None:
        connection.send_nowait(BY_ID[4](invalid_password=False))  # no password: any client is in

    def _disconnect(self, connection: ApiConnection, message: Message) -> None:
        connection.send_nowait(api_pb2.DisconnectResponse())
        connection.close()

    def device_info(self) -> Message:
        """The DeviceInfo answer."""
        info = api_pb2.DeviceInfoResponse(
            uses_password=False, name=self.name, friendly_name=self.name, mac_address=self.mac,
            esphome_version=ESPHOME_VERSION, model=self.description.model, manufacturer="Aria",
            project_name="aria.satellite", project_version=self.description.version,
            suggested_area=self.description.area or "", voice_assistant_feature_flags=SUPPORTED_FEATURES,
        )
        if "api_encryption_supported" in api_pb2.DeviceInfoResponse.DESCRIPTOR.fields_by_name:
            info.api_encryption_supported = True
        return info

    def _list_entities(self, connection: ApiConnection, message: Message) -> None:
        connection.send_nowait(self.media.describe(f"{self.name} speaker"), api_pb2.ListEntitiesDoneResponse())

    def _subscribe_states(self, connection: ApiConnection, message: Message) -> None:
        self._state_subscribers.add(connection)
        connection.send_nowait(self.media.state_message())

    def _voice(self, handle: Callable[[Message], None]) -> Callable[[ApiConnection, Message], None]:
        def only_subscriber(connection: ApiConnection, message: Message) -> None:
            if self.bridge.subscriber is connection:
                handle(message)
            else:
                _LOGGER.debug("%s from %s, which is not subscribed: ignored", type(message).__name__, connection.peer)
        return only_subscriber

    def _configuration(self, connection: ApiConnection, message: Message) -> None:
        words = self.controllers.router.words
        connection.send_nowait(api_pb2.VoiceAssistantConfigurationResponse(
            available_wake_words=[
                api_pb2.VoiceAssistantWakeWord(id=word, wake_word=wake_word_phrase(word), trained_languages=["en"])
                for word in words
            ],
            active_wake_words=self.controllers.router.esphome_active(self.controllers.running),
            max_active_wake_words=2,
        ))

    def _set_configuration(self, connection: ApiConnection, message: Message) -> None:
        kept = self.controllers.set_esphome_words(list(message.active_wake_words)[:2])
        _LOGGER.info("Home Assistant's wake words: %s", ", ".join(kept) or "none")

    def _media_command(self, connection: ApiConnection, message: Message) -> None:
        if message.key != self.media.key:
            return
        if message.has_volume:
            self.media.volume = min(max(float(message.volume), 0.0), 1.0)
        if message.has_command:
            command = message.command
            if command == api_pb2.MEDIA_PLAYER_COMMAND_MUTE:
                self.media.muted = True
            elif command == api_pb2.MEDIA_PLAYER_COMMAND_UNMUTE:
                self.media.muted = False
            elif command in (api_pb2.MEDIA_PLAYER_COMMAND_PAUSE, api_pb2.MEDIA_PLAYER_COMMAND_STOP):
                # Only what Home Assistant plays: an Aria reply is not Home Assistant's to stop.
                current = self.bridge.playbacks.current
                if current is not None and current.kind is not Kind.REPLY:
                    self.bridge.playbacks.stop(speaker=True)
        if message.has_media_url and message.media_url:
            current = self.bridge.playbacks.current
            if current is not None and current.kind is Kind.MEDIA:
                self.bridge.playbacks.stop(speaker=True)  # new media replaces the old
            self.media.state = api_pb2.MEDIA_PLAYER_STATE_PLAYING
            self.bridge.play(Playback(Kind.MEDIA, message.media_url))
        self._publish_state()

    def _media_playing(self, playing: bool) -> None:
        self.media.state = api_pb2.MEDIA_PLAYER_STATE_PLAYING if playing else api_pb2.MEDIA_PLAYER_STATE_IDLE
        self._publish_state()

    def _publish_state(self) -> None:
        state = self.media.state_message()
        for connection in list(self._state_subscribers):
            connection.send_nowait(state)

    def _set_key(self, connection: ApiConnection, message: Message) -> None:
        key = bytes(message.key)
        # A first key may come over plaintext (that is how Home Assistant provisions); once there is
        # one, only an encrypted client may change it, and never to nothing (no downgrade by LAN).
        if len(key) != 32 or (self.key is not None and not connection.encrypted):
            _LOGGER.warning("ESPHome client %s: encryption key change refused", connection.peer)
            connection.send_nowait(api_pb2.NoiseEncryptionSetKeyResponse(success=False))
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / KEY_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(base64.b64encode(key).decode() + "\n")
        self.key = key
        _LOGGER.info("Home Assistant set an encryption key (stored in %s): required from the next connection", path)
        connection.send_nowait(api_pb2.NoiseEncryptionSetKeyResponse(success=True))
