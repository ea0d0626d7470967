"""The speaker's volume: a sink that scales what it plays (Home Assistant's volume and mute).

It wraps the real sink, so every sound of every controller is scaled at the one place audio
leaves the satellite; the echo canceller's reference is the unscaled audio, which it treats as
a linear gain on the echo path (it adapts to that like to a room).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .speaker import AudioSink


class VolumeSink:
    """An ``AudioSink`` whose writes are scaled by ``gain()`` (0-1)."""

    def __init__(self, sink: AudioSink, gain: Callable[[], float]) -> None:
        self.sink = sink
        self.rate = sink.rate
        self._gain = gain

    async def open(self) -> None:
        await self.sink.open()

    async def write(self, pcm: bytes) -> None:
        gain = self._gain()
        if gain < 1.0:
            samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) * max(gain, 0.0)
            pcm = samples.astype(np.int16).tobytes()
        await self.sink.write(pcm)

    async def close(self) -> None:
        await self.sink.close()

    async def abort(self) -> None:
        await self.sink.abort()
