"""The speaker's volume: a sink that scales what it plays (Home Assistant's volume and mute).

It wraps the real sink, so every sound of every controller is scaled at the one place audio
leaves the satellite; the echo canceller's reference is the unscaled audio, which it treats as
a linear gain on the echo path (it adapts to that like to a room).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .speaker import AudioSink


@dataclass
class Volume:
    """The speaker's level and mute (Home Assistant's media player sets them)."""

    level: float = 1.0
    """0-1."""
    muted: bool = False

    @property
    def gain(self) -> float:
        """The factor played samples are scaled by."""
        return 0.0 if self.muted else min(max(self.level, 0.0), 1.0)


class VolumeSink:
    """An ``AudioSink`` whose writes are scaled by ``volume.gain``."""

    def __init__(self, sink: AudioSink, volume: Volume) -> None:
        self.sink = sink
        self.rate = sink.rate
        self.volume = volume

    async def open(self) -> None:
        await self.sink.open()

    async def write(self, pcm: bytes) -> None:
        gain = self.volume.gain
        if gain < 1.0:
            samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) * gain
            pcm = samples.astype(np.int16).tobytes()
        await self.sink.write(pcm)

    async def close(self) -> None:
        await self.sink.close()

    async def abort(self) -> None:
        await self.sink.abort()
