"""Sends a turn's reply audio to a satellite and estimates when the room has heard it.

``ReplySender`` turns TTS pieces into ``audio-start``, ``audio-chunk``s (cut by
``pipeline.reply_audio``) and ``audio-stop``; ``remaining_s`` says how much of the sent audio is still playing, for
satellites that never report ``played``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import Synthesize

from ..pipeline.reply_audio import WYOMING_CHUNK_SAMPLES, chunk_bytes, reply_chunks


class ReplySender:
    """One reply stream to one satellite."""

    def __init__(self, send: Callable[[Event], Awaitable[None]]) -> None:
        self._send = send
        self.rate: int | None = None
        self.started_ns: int | None = None
        """monotonic time the first chunk was sent."""
        self.seconds = 0.0
        """audio sent so far, s."""
        self.stopped = False

    @property
    def started(self) -> bool:
        """True once audio-start was sent."""
        return self.rate is not None

    async def piece(self, text: str, pcm: bytes, rate: int) -> None:
        """Send one piece's audio (and audio-start before the first)."""
        await self._send(Synthesize(text=text).event())
        if self.rate is None:
            self.rate = rate
            await self._send(AudioStart(rate=rate, width=2, channels=1, timestamp=0).event())
        for chunk in reply_chunks(pcm, chunk_bytes(WYOMING_CHUNK_SAMPLES)):
            timestamp = int(self.seconds * 1000)
            await self._send(AudioChunk(rate=rate, width=2, channels=1, audio=chunk, timestamp=timestamp).event())
            if self.started_ns is None:
                self.started_ns = time.monotonic_ns()
            self.seconds += len(chunk) / (2 * rate)

    async def stop(self) -> None:
        """Send audio-stop once (when anything was started)."""
        if self.started and not self.stopped:
            self.stopped = True
            await self._send(AudioStop(timestamp=int(self.seconds * 1000)).event())

    def remaining_s(self) -> float:
        """Seconds of sent audio that a real-time player has not played yet."""
        if self.started_ns is None:
            return 0.0
        elapsed = (time.monotonic_ns() - self.started_ns) / 1e9
        return max(0.0, self.seconds - elapsed)
