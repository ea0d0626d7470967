"""Relays the conversation stage's timers to the satellite that set them.

The agent's ``TimerService`` publishes every change; each becomes the Wyoming ``timer-*`` event
on the satellite whose session (its name) or conversation set the timer. A finished timer rings
there (Aria satellites play a ring on ``timer-finished``); satellites that ignore timer events
(wyoming-satellite 1.0) hear the finished phrase instead, in the words of the language data
(``conversation/intents``), not a sentence of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from wyoming.event import Event
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated

from ..conversation.agent import Agent
from ..conversation.timers import TimerEvent
from ..errors import AriaError
from .session import SatelliteSession

_LOGGER = logging.getLogger(__name__)


def timer_event(event: TimerEvent) -> Event:
    """The Wyoming event for a conversation ``TimerEvent``."""
    timer = event.timer
    kind = str(event.type)
    if kind == "timer-started":
        return TimerStarted(id=timer.id, total_seconds=timer.total_seconds, name=timer.name).event()
    if kind == "timer-updated":
        return TimerUpdated(id=timer.id, is_active=True, total_seconds=event.seconds_left).event()
    if kind == "timer-cancelled":
        return TimerCancelled(id=timer.id).event()
    return TimerFinished(id=timer.id).event()


async def relay_timers(agent: Agent | None, find: Callable[[str | None, str | None], SatelliteSession | None]) -> None:
    """Forward the agent's timer events until cancelled (returns at once without an agent)."""
    if agent is None:
        return
    async with agent.timers.subscribe() as events:
        async for event in events:
            session = find(event.timer.session, event.timer.conversation_id)
            if session is None or session.link is None:
                continue
            try:
                await session.send(timer_event(event))
                if str(event.type) == "timer-finished" and not _rings_itself(session):
                    await session.announce(agent.intents.announce_finished(event.timer))
            except AriaError as err:
                _LOGGER.warning("timer %s could not reach satellite %s: %s", event.timer.id, session.name, err)
            except Exception:  # one failed event must not end the relay for every later timer
                _LOGGER.exception("timer %s: relaying to satellite %s failed", event.timer.id, session.name)


def _rings_itself(session: SatelliteSession) -> bool:
    satellite = session.info.satellite if session.info is not None else None
    return satellite is not None and satellite.attribution is not None and satellite.attribution.name == "Aria"
