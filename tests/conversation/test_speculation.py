"""Speculative replies, as the agent sees them, on the real embedded test model.

- A speculation on a quick transcript is the reply when the final transcript is the same request
  (words compared, not case or punctuation): the model generates once.
- A different final request, or a conversation that moved on meanwhile, discards it: the reply
  answers the final words from a fresh generation, and the guess is never spoken.
- Cancelling stops the generation itself; a cancelled speculation is not stored.
- Nothing is speculated where the model would not answer anyway (local intents, device requests,
  what the truth guard answers, no model) or when speculation is turned off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.conversation import Agent
from aria_server.conversation.speculation import Outcome, same_request
from tests.conversation.speculating import CountingModel, counting_agent, reply_text


@pytest.fixture(scope="module")
async def counted(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Agent, CountingModel]]:
    agent, model = await counting_agent(tmp_path_factory.mktemp("speculation"))
    yield agent, model
    await agent.aclose()


@pytest.fixture
def fresh(counted: tuple[Agent, CountingModel]) -> tuple[Agent, CountingModel]:
    agent, model = counted
    model.generations.clear()
    model.started.clear()
    return agent, model


def test_the_same_request_is_compared_on_words() -> None:
    assert same_request("What is the capital of France?", "what is the capital of  france")
    assert not same_request("Tell me about the moon.", "Tell me about the moon and the stars.")


async def test_a_confirmed_speculation_is_the_reply_and_the_model_runs_once(fresh: tuple[Agent, CountingModel]) -> None:
    agent, model = fresh
    speculation = await agent.speculate("spec-hit", "What is the capital of France?", language="en")
    assert speculation is not None
    await asyncio.wait_for(model.started.wait(), 120)  # its first words wait, unspoken, for the final transcript

    reply = await reply_text(agent, "spec-hit", "what is the capital of france", speculation)

    assert len(model.generations) == 1 and model.generations[0].finished
    assert reply == model.generations[0].text.strip()
    assert speculation.outcome is Outcome.HIT
    (turn,) = await agent.store.recent_turns("spec-hit")
    assert turn.user_text == "what is the capital of france" and turn.reply_text == reply and turn.source == "llm"


async def test_a_different_final_request_discards_the_guess(fresh: tuple[Agent, CountingModel]) -> None:
    agent, model = fresh
    speculation = await agent.speculate("spec-miss", "Tell me about the moon.", language="en")
    assert speculation is not None
    await asyncio.wait_for(model.started.wait(), 120)

    reply = await reply_text(agent, "spec-miss", "Tell me about the sun.", speculation)

    assert speculation.outcome is Outcome.MISS
    guess, (answer,) = model.asked("moon"), model.asked("sun")
    assert len(guess) == 1 and len(model.generations) == 2
    assert reply == answer.text.strip() and answer.finished  # the final words were answered
    (turn,) = await agent.store.recent_turns("spec-miss")
    assert turn.user_text == "Tell me about the sun." and turn.reply_text == reply


async def test_a_conversation_that_moved_on_makes_the_guess_stale(fresh: tuple[Agent, CountingModel]) -> None:
    agent, model = fresh
    speculation = await agent.speculate("spec-stale", "Why is the sky blue?", language="en")
    assert speculation is not None
    await asyncio.wait_for(model.started.wait(), 120)
    await reply_text(agent, "spec-stale", "what time is it")  # another turn of it is committed meanwhile

    await reply_text(agent, "spec-stale", "Why is the sky blue?", speculation)

    assert speculation.outcome is Outcome.MISS
    assert len(model.asked("sky")) == 2  # the prompt now holds the turn in between


async def test_cancelling_stops_the_generation_and_stores_nothing(fresh: tuple[Agent, CountingModel]) -> None:
    agent, model = fresh
    speculation = await agent.speculate("spec-cancel", "Tell me a long story about a dragon and a knight.", language="en")
    assert speculation is not None
    await asyncio.wait_for(model.started.wait(), 120)

    speculation.cancel()
    await speculation.wait_stopped()

    (guess,) = model.generations
    assert guess.stopped_early and not guess.finished
    assert await agent.store.recent_turns("spec-cancel") == []
    # The model is free again: the next request is answered by a generation of its own.
    assert await reply_text(agent, "spec-cancel", "Tell me a long story about a dragon and a knight.")
    assert len(model.generations) == 2 and model.generations[1].finished


@pytest.mark.parametrize(
    "text",
    ["what time is it", "turn on the kitchen light", "What is the weather today?", "   "],
    ids=["local intent", "device request", "live question (truth guard)", "nothing"],
)
async def test_nothing_is_speculated_where_the_model_would_not_answer(fresh: tuple[Agent, CountingModel], text: str) -> None:
    agent, model = fresh
    assert await agent.speculate("spec-none", text, language="en") is None
    await asyncio.sleep(0)
    assert model.generations == []


async def test_without_a_model_or_with_speculation_off_nothing_is_speculated(intent_agent: Agent, tmp_path: Path) -> None:
    assert await intent_agent.speculate("spec-off", "Why is the sky blue?", language="en") is None
    agent, model = await counting_agent(tmp_path, speculative=False)
    try:
        assert await agent.speculate("spec-off", "Why is the sky blue?", language="en") is None
        assert model.generations == []
    finally:
        await agent.aclose()
