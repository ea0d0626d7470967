"""Timers are bounded: a duration past a day and a thousandth timer get a clear spoken refusal
(issue 13, item 8). The refusal never claims a timer that does not run."""

from __future__ import annotations

import pytest

from aria_server.conversation import Agent
from aria_server.conversation.timers import MAX_TIMER_SECONDS, MAX_TIMERS_PER_SESSION, TimerService
from aria_server.errors import TimerLimitError


async def _say(agent: Agent, text: str, conversation: str = "limits") -> str:
    return "".join([delta async for delta in agent.reply(conversation, text)])


@pytest.mark.parametrize(
    "utterance",
    ["set a timer for 1" + "0" * 300 + " hours", "set a timer for 99999999999999999999 seconds", "set a timer for 25 hours"],
)
async def test_an_enormous_duration_is_refused_in_words(intent_agent: Agent, utterance: str) -> None:
    answer = await _say(intent_agent, utterance)
    assert "at most 24 hours" in answer
    assert intent_agent.timers.active() == []


async def test_extending_past_the_limit_is_refused_and_the_timer_is_unchanged(intent_agent: Agent) -> None:
    assert "Timer set" in await _say(intent_agent, "set a timer for 23 hours")
    answer = await _say(intent_agent, "add 2 hours to the timer")
    assert "at most 24 hours" in answer
    [timer] = intent_agent.timers.active()
    assert timer.total_seconds == 23 * 3600


async def test_one_session_cannot_set_a_thousand_timers() -> None:
    timers = TimerService()
    try:
        for _ in range(MAX_TIMERS_PER_SESSION):
            timers.start(60, session="greedy")
        with pytest.raises(TimerLimitError) as caught:
            timers.start(60, session="greedy")
        assert caught.value.code == "too-many-timers"
        timers.start(60, session="another")  # others are not locked out by one session
        with pytest.raises(TimerLimitError):
            timers.start(MAX_TIMER_SECONDS + 1, session="another")
    finally:
        timers.close()


async def test_the_refusal_is_spoken(intent_agent: Agent) -> None:
    for _ in range(MAX_TIMERS_PER_SESSION):
        assert "Timer set" in await _say(intent_agent, "set a timer for 5 minutes")
    answer = await _say(intent_agent, "set a timer for 5 minutes")
    assert "can't set another timer" in answer
    assert len(intent_agent.timers.active()) == MAX_TIMERS_PER_SESSION
