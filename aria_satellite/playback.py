"""Real-time playback on a sink: one queue of sound streams, paced, stoppable at once.

A stream is ``begin(rate)``, ``feed(pcm)``... , ``end()``. Audio is handed to the sink at most
``lead_ms`` ahead of the play clock, in pieces of ``PIECE_MS``, so ``stop()`` silences the
speaker within one piece plus the lead, and a file sink receives audio at the pace a room
would hear it. Callbacks report when a stream's first sample plays and when it is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from .audio import Resampler
from .speaker import AudioSink

_LOGGER = logging.getLogger(__name__)

PIECE_MS = 20
"""Audio handed to the sink per write, ms."""
WRITE_STALL_S = 2.0
"""A write to the sink that takes longer than this means a stuck speaker (a frozen ``aplay``, a
hung device): the sink is closed and opened again, and the piece dropped."""


@dataclass(frozen=True)
class _Item:
    generation: int
    stream: str
    kind: str  # "begin" | "pcm" | "end"
    pcm: bytes = b""
    rate: int = 0


Reference = Callable[[bytes, int, int], None]
"""``(pcm, rate, start_t_ns)``: audio the speaker plays from monotonic time ``start_t_ns``."""


class Player:
    """Plays queued streams in order; ``run()`` is the one task that writes to the sink."""

    def __init__(
        self,
        sink: AudioSink,
        lead_ms: int,
        *,
        on_started: Callable[[str, int], None] | None = None,
        on_finished: Callable[[str, bool], None] | None = None,
        on_reference: Reference | None = None,
        on_stall: Callable[[str], None] | None = None,
    ) -> None:
        self.sink = sink
        self.lead_ns = lead_ms * 1_000_000
        self._on_started = on_started or (lambda stream, t_ns: None)
        self._on_finished = on_finished or (lambda stream, completed: None)
        self._on_reference = on_reference
        self._on_stall = on_stall or (lambda error: None)
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._generation = 0
        self._interrupt = asyncio.Event()
        self._play_until_ns = 0
        self.current: str | None = None
        """The stream being played (begun and not yet finished), if any."""
        self.last_activity_ns = 0
        """monotonic time audio was last queued or handed to the sink (the watchdog's sign of progress)."""

    # -- the producer side (any task) ------------------------------------------------------

    def begin(self, stream: str, rate: int) -> None:
        """Queue the start of a stream of mono 16-bit audio at ``rate``."""
        self._queue.put_nowait(_Item(self._generation, stream, "begin", rate=rate))

    def feed(self, stream: str, pcm: bytes) -> None:
        """Queue audio of a begun stream."""
        if pcm:
            self.last_activity_ns = time.monotonic_ns()
            self._queue.put_nowait(_Item(self._generation, stream, "pcm", pcm=pcm))

    def end(self, stream: str) -> None:
        """Queue the end of a stream; ``on_finished(stream, True)`` follows once it has played."""
        self.last_activity_ns = time.monotonic_ns()
        self._queue.put_nowait(_Item(self._generation, stream, "end"))

    def play(self, stream: str, pcm: bytes, rate: int) -> None:
        """Queue a whole sound."""
        self.begin(stream, rate)
        self.feed(stream, pcm)
        self.end(stream)

    def stop(self) -> str | None:
        """Drop everything queued and stop the current stream; returns the stream stopped.

        ``on_finished(stream, False)`` is called before this returns.
        """
        self._generation += 1
        while not self._queue.empty():
            self._queue.get_nowait()
        self._interrupt.set()
        stopped, self.current = self.current, None
        if stopped is not None:
            self._on_finished(stopped, False)
        self._play_until_ns = min(self._play_until_ns, time.monotonic_ns())
        return stopped

    @property
    def busy(self) -> bool:
        """True while a stream is playing or queued."""
        return self.current is not None or not self._queue.empty()

    # -- the consumer task -----------------------------------------------------------------

    async def run(self) -> None:
        """Write queued audio to the sink in real time until cancelled."""
        await self.sink.open()
        resampler: Resampler | None = None
        started = False
        try:
            while True:
                item = await self._queue.get()
                if item.generation != self._generation:
                    continue
                self._interrupt.clear()
                if item.kind == "begin":
                    resampler, started = Resampler(item.rate, self.sink.rate), False
                    self.current = item.stream
                elif item.kind == "pcm" and resampler is not None:
                    started = await self._write(item, resampler.convert(item.pcm), started)
                elif item.kind == "end" and resampler is not None:
                    started = await self._write(item, resampler.convert(b"", last=True), started)
                    resampler = None
                    await self._wait_until(self._play_until_ns, item.generation)
                    if item.generation == self._generation and self.current == item.stream:
                        self.current = None
                        self._on_finished(item.stream, True)
        finally:
            await self.sink.close()

    async def _write(self, item: _Item, pcm: bytes, started: bool) -> bool:
        step = self.sink.rate * 2 * PIECE_MS // 1000
        for offset in range(0, len(pcm), step):
            piece = pcm[offset : offset + step]
            await self._wait_until(self._play_until_ns - self.lead_ns, item.generation)
            if item.generation != self._generation:
                return started
            now = time.monotonic_ns()
            start_ns = max(self._play_until_ns, now)
            if not await self._write_piece(piece):
                return started
            self.last_activity_ns = time.monotonic_ns()
            self._play_until_ns = start_ns + len(piece) * 1_000_000_000 // (2 * self.sink.rate)
            if self._on_reference is not None:
                self._on_reference(piece, self.sink.rate, start_ns)
            if not started:
                started = True
                self._on_started(item.stream, start_ns)
        return started

    async def _write_piece(self, piece: bytes) -> bool:
        """Hand one piece to the sink; False (and a fresh sink) when the sink is stuck or broke."""
        try:
            async with asyncio.timeout(WRITE_STALL_S):
                await self.sink.write(piece)
            return True
        except (TimeoutError, OSError) as err:
            error = "speaker stuck" if isinstance(err, TimeoutError) else f"speaker failed: {err}"
            _LOGGER.warning("%s: reopening it", error)
            self._on_stall(error)
            with contextlib.suppress(OSError):
                await self.sink.abort()
            await self.sink.open()
            return False

    async def _wait_until(self, t_ns: int, generation: int) -> None:
        """Sleep until monotonic ``t_ns``, waking early when ``stop()`` is called."""
        delay = (t_ns - time.monotonic_ns()) / 1e9
        if delay <= 0 or generation != self._generation:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._interrupt.wait()
