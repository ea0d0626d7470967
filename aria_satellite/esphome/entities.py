"""The device's entities: one media player (Home Assistant adds the assist-satellite entity and
the wake-word selects itself, from DeviceInfo and the voice-assistant configuration).

The media player lists WAV, 16-bit mono at the speaker's rate, as its supported formats for
both purposes, so Home Assistant converts TTS, announcements and media to exactly that (its
ffmpeg proxy) and the satellite never decodes compressed audio. It cannot resume a stream:
``supports_pause`` is False and a pause command stops, as stop does.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from aioesphomeapi import api_pb2

from ..volume import Volume
from .messages import Message

OBJECT_ID = "media_player"


def entity_key(object_id: str) -> int:
    """A stable 32-bit key for an entity (Home Assistant keys states and commands on it)."""
    return zlib.crc32(object_id.encode()) & 0x7FFFFFFF


@dataclass
class MediaPlayer:
    """The speaker as Home Assistant's media player."""

    rate: int
    """the speaker's sample rate, Hz (the format Home Assistant converts to)."""
    speaker: Volume = field(default_factory=Volume)
    """the speaker's volume: applied to everything it plays (``volume.VolumeSink``)."""
    key: int = field(default_factory=lambda: entity_key(OBJECT_ID))
    state: int = api_pb2.MEDIA_PLAYER_STATE_IDLE

    @property
    def volume(self) -> float:
        """0-1."""
        return self.speaker.level

    @volume.setter
    def volume(self, level: float) -> None:
        self.speaker.level = min(max(level, 0.0), 1.0)

    @property
    def muted(self) -> bool:
        return self.speaker.muted

    @muted.setter
    def muted(self, muted: bool) -> None:
        self.speaker.muted = muted

    def describe(self, name: str) -> Message:
        """The ListEntities answer."""
        formats = [
            api_pb2.MediaPlayerSupportedFormat(
                format="wav", sample_rate=self.rate, num_channels=1, purpose=purpose, sample_bytes=2
            )
            for purpose in (api_pb2.MEDIA_PLAYER_FORMAT_PURPOSE_DEFAULT, api_pb2.MEDIA_PLAYER_FORMAT_PURPOSE_ANNOUNCEMENT)
        ]
        return api_pb2.ListEntitiesMediaPlayerResponse(
            object_id=OBJECT_ID, key=self.key, name=name, supports_pause=False, supported_formats=formats
        )

    def state_message(self) -> Message:
        """The current state."""
        return api_pb2.MediaPlayerStateResponse(key=self.key, state=self.state, volume=self.volume, muted=self.muted)
