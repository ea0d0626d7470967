"""The one reconnect loop, used for every link that must come back after a failure.

    await reconnecting(connect_and_serve, name="satellite kitchen", backoff=Backoff(0.5, 10))

``connect_and_serve`` runs one connection until it ends; when it ends (normally or with an
error) the helper waits, doubling the delay up to ``maximum``, and calls it again. A connection
that lasted ``healthy_s`` resets the delay. Cancellation always propagates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)


@dataclass
class Backoff:
    """Exponential delays: ``initial``, doubled after each quick failure, never above ``maximum`` (s)."""

    initial: float = 0.5
    maximum: float = 10.0
    healthy_s: float = 10.0
    """a connection that lasted this long resets the delay."""

    def __post_init__(self) -> None:
        self.current = self.initial

    def next_delay(self, lasted_s: float) -> float:
        """The delay before the next try, given how long the last one lasted."""
        if lasted_s >= self.healthy_s:
            self.current = self.initial
        delay = self.current
        self.current = min(self.maximum, self.current * 2)
        return delay

    def reset(self) -> None:
        """Start again from ``initial``."""
        self.current = self.initial


async def reconnecting(
    connect: Callable[[], Awaitable[None]],
    *,
    name: str,
    backoff: Backoff | None = None,
    wake: asyncio.Event | None = None,
) -> None:
    """Run ``connect`` forever, with backoff between runs, until cancelled.

    ``wake``, when set by someone, cuts the current wait short (e.g. the address was seen again
    on zeroconf); it is cleared before each wait.
    """
    backoff = backoff or Backoff()
    while True:
        started = time.monotonic()
        try:
            await connect()
            _LOGGER.info("%s: connection ended", name)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # any failure of one connection means: try again later
            _LOGGER.info("%s: %s", name, err if isinstance(err, OSError) else repr(err))
            _LOGGER.debug("%s failed", name, exc_info=True)
        delay = backoff.next_delay(time.monotonic() - started)
        if wake is None:
            await asyncio.sleep(delay)
            continue
        wake.clear()
        try:
            async with asyncio.timeout(delay):
                await wake.wait()
        except TimeoutError:
            pass
