"""The timer service: every change is published to subscribers, as the satellite side needs."""

from __future__ import annotations

import asyncio

import pytest

from aria_server.conversation.timers import TimerEvent, TimerEventType, TimerService


async def next_event(events: object) -> TimerEvent:
    return await asyncio.wait_for(anext(events), 10)  # type: ignore[call-overload]


async def test_subscribers_see_started_updated_cancelled_and_finished() -> None:
    timers = TimerService()
    async with timers.subscribe() as events:
        long = timers.start(600, name="pasta", conversation_id="c1", session="kitchen")
        started = await next_event(events)
        assert started.type is TimerEventType.STARTED and started.timer.id == long.id
        assert (started.timer.name, started.timer.session, started.timer.conversation_id) == ("pasta", "kitchen", "c1")
        assert started.seconds_left == 600

        timers.add_time(long.id, 60)
        updated = await next_event(events)
        assert updated.type is TimerEventType.UPDATED and updated.timer.total_seconds == 660

        timers.cancel(long.id)
        assert (await next_event(events)).type is TimerEventType.CANCELLED

        short = timers.start(1)
        assert (await next_event(events)).type is TimerEventType.STARTED
        finished = await next_event(events)  # rings on its own, about a second later
        assert finished.type is TimerEventType.FINISHED and finished.timer.id == short.id
    assert timers.active() == []


async def test_timers_are_listed_per_session_soonest_first() -> None:
    timers = TimerService()
    later = timers.start(300, session="kitchen")
    sooner = timers.start(60, session="kitchen")
    hall = timers.start(30, session="hall")
    assert timers.active(session="kitchen") == [sooner, later]
    assert timers.active() == [hall, sooner, later]
    assert timers.cancel("no-such-timer") is None and timers.add_time("no-such-timer", 5) is None
    with pytest.raises(ValueError):
        timers.start(0)
    timers.close()
    assert timers.active() == []


async def test_a_closed_subscription_stops_iterating() -> None:
    timers = TimerService()
    subscription = timers.subscribe()
    await subscription.aclose()
    timers.start(60)
    assert [event async for event in subscription] == []
    timers.close()
