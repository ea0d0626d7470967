"""Timers that the server set on this satellite (``timer-*`` events); a finished one rings."""

from __future__ import annotations

import logging
from collections.abc import Callable

from wyoming.event import Event
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated

_LOGGER = logging.getLogger(__name__)


class Timers:
    """Known timers by id; ``ring(timer_id)`` is called when one finishes."""

    def __init__(self, ring: Callable[[str], None]) -> None:
        self._ring = ring
        self.active: dict[str, TimerStarted] = {}

    def handle(self, event: Event) -> bool:
        """Apply a ``timer-*`` event; False when the event is not about timers."""
        if TimerStarted.is_type(event.type):
            started = TimerStarted.from_event(event)
            self.active[started.id] = started
            _LOGGER.info("timer %s started (%d s)", started.name or started.id, started.total_seconds)
        elif TimerUpdated.is_type(event.type):
            updated = TimerUpdated.from_event(event)
            _LOGGER.info("timer %s updated (%d s left)", updated.id, updated.total_seconds)
        elif TimerCancelled.is_type(event.type):
            cancelled = TimerCancelled.from_event(event)
            self.active.pop(cancelled.id, None)
            _LOGGER.info("timer %s cancelled", cancelled.id)
        elif TimerFinished.is_type(event.type):
            finished = TimerFinished.from_event(event)
            self.active.pop(finished.id, None)
            _LOGGER.info("timer %s finished", finished.id)
            self._ring(finished.id)
        else:
            return False
        return True
