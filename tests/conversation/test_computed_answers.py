"""Arithmetic, conversions and dates are computed by the solver before any model (issue 24):
the model is never asked, so it cannot change the number; the turn is stored as ``solver``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aria_server.conversation import Agent, create_agent
from aria_server.conversation.solver import solve
from aria_server.llm.fallback import LlmChain

from .conftest import agent_settings
from .scripted import ScriptedModel

QUESTIONS = [
    "What is 17 times 23?", "What's the square root of 81?", "What is 15 percent of 80?",
    "How many feet are in a mile?", "What is 10 degrees Celsius in Fahrenheit?", "How many days until Christmas?",
]


async def reply(agent: Agent, conversation_id: str, text: str, language: str | None = "en") -> str:
    return "".join([delta async for delta in agent.reply(conversation_id, text, language=language)])


async def test_a_model_that_would_say_another_number_is_never_asked(tmp_path: Path) -> None:
    agent = create_agent(agent_settings(tmp_path))
    wrong = ScriptedModel({"": "The answer is approximately 29.30."})  # the 0.5B model's square root of 81
    agent.chain = LlmChain([wrong], first_token_timeout_s=5.0)
    await agent.start()
    try:
        for number, question in enumerate(QUESTIONS):
            solved = solve(question, date.today())
            assert solved is not None
            assert await reply(agent, f"c-solve-{number}", question) == solved.text
            [turn] = await agent.store.recent_turns(f"c-solve-{number}")
            assert (turn.source, turn.reply_text, turn.backend) == ("solver", solved.text, None)
        assert wrong.requests == [], "the model was never asked"
        assert await reply(agent, "c-not-solved", "Who wrote Hamlet?") == "The answer is approximately 29.30."
        assert len(wrong.requests) == 1, "a question the solver does not know still reaches the model"
    finally:
        await agent.aclose()


async def test_the_real_model_is_not_asked_either(embedded_agent: Agent) -> None:
    answer = await reply(embedded_agent, "c-solve-real", "What is seventeen times twenty-three?")
    assert answer == "17 times 23 is 391."
    [turn] = await embedded_agent.store.recent_turns("c-solve-real")
    assert turn.source == "solver" and turn.backend is None


async def test_without_a_language_model_sums_are_still_answered(intent_agent: Agent) -> None:
    assert await reply(intent_agent, "c-solve-nollm", "What is 144 divided by 6?") == "144 divided by 6 is 24."


async def test_no_speculation_starts_for_a_computed_question(tmp_path: Path) -> None:
    agent = create_agent(agent_settings(tmp_path, speculative=True))
    model = ScriptedModel({"": "Something else."})
    agent.chain = LlmChain([model], first_token_timeout_s=5.0)
    await agent.start()
    try:
        assert await agent.speculate("c-spec", "What is 25 plus 38?", language="en") is None
        assert model.requests == []
        other = await agent.speculate("c-spec-2", "Who wrote Hamlet?", language="en")
        assert other is not None, "a question for the model is speculated on as before"
        other.cancel()
    finally:
        await agent.aclose()


async def test_other_languages_are_left_alone(intent_agent: Agent) -> None:
    # The solver reads English; a German question goes its own way (here: no model, the apology).
    answer = await reply(intent_agent, "c-solve-de", "What is 2 plus 2?", language="de")
    assert "4" not in answer
