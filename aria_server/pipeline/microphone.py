"""Microphone audio of one turn: put by the face that receives it, read once by the pipeline.

    await mic.put(pcm, fmt)  ...  mic.end()       face side (waits while the queue is full)
    async for pcm in mic: ...                     pipeline side; ends after ``end``
    mic.detach()                                  the pipeline stopped listening: drop the rest

The queue is bounded, so a client that sends faster than the pipeline reads is slowed down by
TCP instead of being buffered without end. ``end`` (the user stopped talking: push-to-talk
release, the satellite's ``audio-stop``, nobody spoke) lets the reader finish what is queued;
``detach`` (listening is over, barge-in, disconnect) drops it and releases a waiting ``put``.
The format is that of the first chunk (satellites announce it in every ``audio-chunk``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from aria_wire.audio import PcmFormat

DEFAULT_CAPACITY = 64
"""Chunks buffered for the pipeline (about 2 s of the dashboard's 32 ms frames)."""


class Microphone:
    """A bounded queue of PCM chunks with an end; iterate once."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, fmt: PcmFormat | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._chunks: deque[bytes] = deque()
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._format: asyncio.Future[PcmFormat | None] = asyncio.get_running_loop().create_future()
        if fmt is not None:
            self._format.set_result(fmt)
        self.ended = False
        """No more input: the reader finishes what is queued."""
        self.detached = False
        """Nobody reads any more: input is dropped."""
        self.bytes_in = 0

    @property
    def closed(self) -> bool:
        """True once ended or detached: further ``put``s are ignored."""
        return self.ended or self.detached

    async def put(self, pcm: bytes, fmt: PcmFormat | None = None) -> None:
        """Queue a chunk, waiting while the queue is full; ignored once closed."""
        if self.closed:
            return
        if fmt is not None and not self._format.done():
            self._format.set_result(fmt)
        while len(self._chunks) >= self._capacity and not self.closed:
            self._writable.clear()
            await self._writable.wait()
        if self.closed:
            return
        self._chunks.append(pcm)
        self.bytes_in += len(pcm)
        self._readable.set()

    def end(self) -> None:
        """The input is over: the iteration ends after what is queued."""
        self.ended = True
        self._wake()

    def detach(self) -> None:
        """The reader is gone (or will read no more): drop what is queued, release ``put``."""
        self.detached = True
        self._chunks.clear()
        self._wake()

    def _wake(self) -> None:
        if not self._format.done():
            self._format.set_result(None)
        self._readable.set()
        self._writable.set()

    async def format(self) -> PcmFormat | None:
        """The audio format, once the first chunk arrived; None when closed without audio."""
        return await asyncio.shield(self._format)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            while self._chunks:
                pcm = self._chunks.popleft()
                self._writable.set()
                yield pcm
            if self.closed:
                return
            self._readable.clear()
            await self._readable.wait()
