"""Microphone audio of one turn: pushed by the connection, pulled by the pipeline.

    inbox.push(chunk, fmt) ... inbox.close()       (connection side, never blocks)
    async for pcm in inbox: ...                    (pipeline side; ends at close)

The format is that of the first chunk (satellites announce it in every ``audio-chunk``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aria_wire.audio import PcmFormat


class AudioInbox:
    """An unbounded queue of PCM chunks with an end; iterate once."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._format: asyncio.Future[PcmFormat | None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.bytes_in = 0

    def push(self, pcm: bytes, fmt: PcmFormat) -> None:
        """Add a chunk (ignored after ``close``)."""
        if self.closed:
            return
        if not self._format.done():
            self._format.set_result(fmt)
        self.bytes_in += len(pcm)
        self._queue.put_nowait(pcm)

    def close(self) -> None:
        """No more audio: the iteration ends after what is queued."""
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)
            if not self._format.done():
                self._format.set_result(None)

    async def format(self) -> PcmFormat | None:
        """The audio format, once the first chunk arrived; None when closed without audio."""
        return await asyncio.shield(self._format)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (pcm := await self._queue.get()) is not None:
            yield pcm
