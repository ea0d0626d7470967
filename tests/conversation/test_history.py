"""History trimming by a token budget, with a stable prefix for the server's prompt cache."""

from __future__ import annotations

import logging

import pytest

from aria_server.conversation import Agent
from aria_server.conversation.history import LOW_WATER, PromptBuilder, choose_start
from aria_server.llm.openai_compat import OpenAICompatBackend
from aria_server.store.history import TurnRecord

SYSTEM = "You are Aria."


def turns(count: int, words: int = 30) -> list[TurnRecord]:
    return [
        TurnRecord(
            id=n + 1, conversation_id="c1", started_at=float(n), ended_at=float(n), language="en",
            user_text=f"question {n} " + "word " * words, reply_text=f"answer {n} " + "word " * words,
            source="llm", backend=None, model=None, spans=None,
        )
        for n in range(count)
    ]


def estimating_backend(context_size: int) -> OpenAICompatBackend:
    """A real backend object; its token counts are estimates, so no server is needed to count."""
    return OpenAICompatBackend(
        "http://127.0.0.1:9/v1", "m", api_key=None, context_size=context_size, max_tokens=100, temperature=0.0,
        connect_timeout_s=1.0,
    )


def test_the_window_moves_only_when_it_must_and_then_by_enough() -> None:
    assert choose_start([10] * 4, fixed_tokens=10, budget=100, start=0) == 0
    start = choose_start([30] * 6, fixed_tokens=10, budget=100, start=0)
    assert 10 + 30 * (6 - start) <= LOW_WATER * 100
    # One more turn that still fits: the window does not move, so the prompt prefix is unchanged.
    assert choose_start([30] * 7, fixed_tokens=10, budget=130, start=start) == start
    assert choose_start([30] * 3, fixed_tokens=500, budget=100, start=0) == 3  # nothing fits: no history


async def test_old_turns_are_dropped_by_tokens_and_the_log_says_how_many(caplog: pytest.LogCaptureFixture) -> None:
    backend = estimating_backend(context_size=1000)  # budget: 1000 - 100 reply - 64 reserve
    builder = PromptBuilder(SYSTEM)
    history = turns(20)
    with caplog.at_level(logging.INFO, logger="aria_server.conversation.history"):
        prompt = await builder.build(backend, "c1", history, "and now?")
    assert prompt.dropped_turns > 0 and prompt.kept_turns + prompt.dropped_turns == 20
    assert prompt.tokens <= 1000 - 100 - 64
    assert f"dropped {prompt.dropped_turns} old turn(s)" in caplog.text
    assert prompt.messages[0] == {"role": "system", "content": SYSTEM}
    assert prompt.messages[-1] == {"role": "user", "content": "and now?"}
    assert prompt.messages[1]["content"] == history[prompt.dropped_turns].user_text  # the newest turns are kept
    # The next turn keeps the same window start: same prefix, cache reused, nothing logged.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="aria_server.conversation.history"):
        follow_up = await builder.build(backend, "c1", turns(21), "and then?")
    assert follow_up.messages[:3] == prompt.messages[:3]
    assert "dropped" not in caplog.text


async def test_a_short_history_is_sent_whole() -> None:
    prompt = await PromptBuilder(SYSTEM).build(estimating_backend(4096), "c1", turns(3, words=5), "hi")
    assert (prompt.kept_turns, prompt.dropped_turns, len(prompt.messages)) == (3, 0, 8)


async def test_the_embedded_model_counts_with_its_own_tokenizer(embedded_agent: Agent) -> None:
    assert embedded_agent.chain is not None
    backend = embedded_agent.chain.backends[0]
    history = turns(60, words=40)  # about 5,000 tokens: more than the 4,096 context
    prompt = await PromptBuilder(SYSTEM).build(backend, "c-tok", history, "and now?")
    exact = await backend.count_tokens([m["content"] for m in prompt.messages])
    assert sum(exact) <= backend.context_size - backend.max_tokens
    assert 0 < prompt.kept_turns < 60
