"""Kitchen timers: set, cancel, extend, ask how long is left; finished ones are announced.

Timers live in memory (a timer outlives no restart, as on a phone), are scheduled on the event
loop with ``call_at`` (no task per timer), and every change is published to subscribers as a
``TimerEvent``, which the satellite side turns into Wyoming ``timer-*`` events:

    async with timers.subscribe() as events:
        async for event in events:
            if event.type is TimerEventType.FINISHED: ...
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from ..errors import TimerLimitError

_LOGGER = logging.getLogger(__name__)

SUBSCRIBER_QUEUE = 256
"""Events kept for a subscriber that does not read; older ones are dropped beyond that."""


class TimerEventType(StrEnum):
    """What happened to a timer (the Wyoming timer event names)."""

    STARTED = "timer-started"
    UPDATED = "timer-updated"
    CANCELLED = "timer-cancelled"
    FINISHED = "timer-finished"


@dataclass(frozen=True)
class Timer:
    """A running timer; times are ``loop.time()`` seconds."""

    id: str
    name: str | None
    total_seconds: int
    ends_at: float
    conversation_id: str | None
    session: str | None
    """The satellite or session that set it: where it should ring."""

    def seconds_left(self, now: float) -> int:
        """Whole seconds until it rings (rounded up, never negative)."""
        return max(0, int(-(-(self.ends_at - now) // 1)))


@dataclass(frozen=True)
class TimerEvent:
    """A change to one timer, as published to subscribers."""

    type: TimerEventType
    timer: Timer
    seconds_left: int
    t_wall: float
    """Unix seconds when it happened."""


class TimerSubscription:
    """An async iterator of timer events; ``aclose`` (or leaving ``async with``) unsubscribes."""

    def __init__(self, subscribers: set[asyncio.Queue[TimerEvent]]) -> None:
        self._subscribers = subscribers
        self._queue: asyncio.Queue[TimerEvent] = asyncio.Queue(SUBSCRIBER_QUEUE)
        subscribers.add(self._queue)

    def __aiter__(self) -> TimerSubscription:
        return self

    async def __anext__(self) -> TimerEvent:
        if self._queue not in self._subscribers:
            raise StopAsyncIteration
        return await self._queue.get()

    async def aclose(self) -> None:
        """Stop receiving events."""
        self._subscribers.discard(self._queue)

    async def __aenter__(self) -> TimerSubscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


MAX_TIMER_SECONDS = 24 * 3600
"""Longest timer. Speech can say "a timer for ten to the three hundred hours": without a bound
that overflowed the event loop's clock arithmetic."""
MAX_TIMERS_PER_SESSION = 20
MAX_TIMERS = 200
"""Timers running at once, per session and on the server (one client once set 1,000)."""


def _check_duration(seconds: int) -> None:
    if seconds > MAX_TIMER_SECONDS:
        raise TimerLimitError(
            f"a timer can run for at most {MAX_TIMER_SECONDS // 3600} hours", code="timer-too-long"
        )


class TimerService:
    """All timers of the server; methods are called on the event loop."""

    def __init__(self) -> None:
        self._timers: dict[str, Timer] = {}
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._subscribers: set[asyncio.Queue[TimerEvent]] = set()
        self._ids = itertools.count(1)

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def start(
        self, seconds: int, *, name: str | None = None, conversation_id: str | None = None, session: str | None = None
    ) -> Timer:
        """A new timer of ``seconds`` (> 0) seconds.

        TimerLimitError past MAX_TIMER_SECONDS, or when the session (or the server) already has
        as many timers as allowed.
        """
        if seconds <= 0:
            raise ValueError("a timer needs a positive duration")
        _check_duration(seconds)
        in_session = sum(1 for t in self._timers.values() if t.session == session)
        if in_session >= MAX_TIMERS_PER_SESSION or len(self._timers) >= MAX_TIMERS:
            raise TimerLimitError(
                f"{in_session} timers are running here (at most {MAX_TIMERS_PER_SESSION}; "
                f"{MAX_TIMERS} on the server)", code="too-many-timers",
            )
        timer = Timer(
            id=f"timer-{next(self._ids)}", name=name, total_seconds=seconds, ends_at=self._now() + seconds,
            conversation_id=conversation_id, session=session,
        )
        self._schedule(timer)
        self._publish(TimerEventType.STARTED, timer)
        return timer

    def _schedule(self, timer: Timer) -> None:
        if (old := self._handles.pop(timer.id, None)) is not None:
            old.cancel()
        self._timers[timer.id] = timer
        self._handles[timer.id] = asyncio.get_running_loop().call_at(timer.ends_at, self._finish, timer.id)

    def _finish(self, timer_id: str) -> None:
        timer = self._timers.pop(timer_id, None)
        self._handles.pop(timer_id, None)
        if timer is not None:
            _LOGGER.info("timer %s (%s s) finished", timer.id, timer.total_seconds)
            self._publish(TimerEventType.FINISHED, timer)

    def cancel(self, timer_id: str) -> Timer | None:
        """Cancel one timer; None when there is no such timer."""
        timer = self._timers.pop(timer_id, None)
        if (handle := self._handles.pop(timer_id, None)) is not None:
            handle.cancel()
        if timer is not None:
            self._publish(TimerEventType.CANCELLED, timer)
        return timer

    def add_time(self, timer_id: str, seconds: int) -> Timer | None:
        """Lengthen (or, negative, shorten) a timer; None when there is no such timer."""
        timer = self._timers.get(timer_id)
        if timer is None:
            return None
        _check_duration(timer.total_seconds + seconds)
        updated = Timer(
            id=timer.id, name=timer.name, total_seconds=max(1, timer.total_seconds + seconds),
            ends_at=timer.ends_at + seconds, conversation_id=timer.conversation_id, session=timer.session,
        )
        self._schedule(updated)
        self._publish(TimerEventType.UPDATED, updated)
        return updated

    def active(self, *, session: str | None = None) -> list[Timer]:
        """Running timers (of one session when given, else all), soonest first."""
        timers = [t for t in self._timers.values() if session is None or t.session in (session, None)]
        return sorted(timers, key=lambda t: t.ends_at)

    def seconds_left(self, timer: Timer) -> int:
        """Whole seconds until ``timer`` rings."""
        return timer.seconds_left(self._now())

    def _publish(self, type_: TimerEventType, timer: Timer) -> None:
        event = TimerEvent(type_, timer, timer.seconds_left(self._now()), time.time())
        for queue in self._subscribers:
            if queue.full():
                # A stalled subscriber loses its oldest event rather than stalling the timers.
                queue.get_nowait()
            queue.put_nowait(event)

    def subscribe(self) -> TimerSubscription:
        """Every timer event from this call on, until the subscription is closed.

        Registered at once (not at the first ``anext``), so no event between subscribing and
        reading is lost. Use ``async with timers.subscribe() as events: async for ...``.
        """
        return TimerSubscription(self._subscribers)

    def close(self) -> None:
        """Drop every timer without announcing it (server shutdown)."""
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        self._timers.clear()
