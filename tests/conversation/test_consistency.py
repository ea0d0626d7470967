"""The consistency check (``--llm-consistency-check``, issue 24): the key facts of two answers
compared as a table; through the agent, a model whose two answers disagree is replaced by
"I'm not sure", one whose answers agree is spoken as it streams.

The two models that disagree or agree on cue are scripted (a real model's drift cannot be
ordered; see ``scripted.py``); one test runs the check on the real tiny model end to end.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from aria_server.conversation import Agent, create_agent, facts
from aria_server.conversation.consistency import BRIEF_INSTRUCTION, brief_messages, worth_checking
from aria_server.conversation.facts import agree, key_facts, numbers_in
from aria_server.llm.fallback import LlmChain
from aria_server.settings import LlmSettings
from tests.llm.servers import TEST_MODEL

from .conftest import agent_settings
from .scripted import ScriptedModel

SYSTEM = agent_settings(Path("/nonexistent")).llm.system_prompt
BRIEF = BRIEF_INSTRUCTION
NOT_SURE = "I'm not sure about that, and I'd rather not guess."


@pytest.mark.parametrize(
    ("question", "brief", "answer", "verdict"),
    [
        ("How far away is the moon?", "384,400 km", "The moon is about 384,400 kilometers away.", True),
        ("How far away is the moon?", "384,400 km", "It is roughly 384 thousand kilometers away.", True),
        ("How far away is the moon?", "384,400 km", "The moon is 149 million kilometers from Earth.", False),
        ("How many legs does a spider have?", "8", "Spiders have eight legs.", True),
        ("How many legs does a spider have?", "8", "A spider has six legs.", False),
        ("Who painted the Mona Lisa?", "Leonardo da Vinci", "It was painted by Leonardo da Vinci.", True),
        ("Who painted the Mona Lisa?", "Leonardo da Vinci", "Michelangelo painted it in 1503.", False),
        ("Which planet is known as the Red Planet?", "Mars.", "Mars is called the Red Planet.", True),
        ("Why is the sky blue?", "because of scattering", "Sunlight scatters off air molecules.", None),
        ("What year did World War 2 end?", "1945", "The war ended in 1945.", True),
        ("Who was the first person on the moon?", "Neil Armstrong", "Neil Armstrong, in 1969.", True),
        ("Which language is spoken in Brazil?", "Portuguese.", "Brazilians speak Portuguese.", True),
        ("What do plants make from light?", "Chemical energy from light.", "Plants make sugar from light.", None),
        ("Why do we have seasons?", "Earth's tilt", "Because the Earth is tilted.", None),
    ],
)
def test_two_answers_agree_on_their_numbers_and_names(question: str, brief: str, answer: str, verdict: bool | None) -> None:
    assert agree(key_facts(brief, question), answer) is verdict


def test_numbers_are_read_as_values() -> None:
    assert numbers_in("about 384,400 km, or two hundred and thirty-nine thousand miles; 1.5 million") == {
        384400, 239000, 1500000,
    }
    assert key_facts("I don't know.", "Who was the 50th president?").doubt


def test_only_factual_questions_are_checked() -> None:
    assert all(worth_checking(q) for q in ["Who wrote Hamlet?", "How many legs does a spider have?", "What is the capital of Peru?"])
    assert not any(worth_checking(q) for q in [
        "Tell me a joke", "How are you?", "What is your favorite color?", "Hello", "Why is the sky blue?",
        "What is a noun?", "What is photosynthesis?", "What does a barometer measure?",
    ])


def test_the_brief_question_keeps_the_prompt_and_asks_for_the_answer_alone() -> None:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Who wrote Hamlet?"},
                {"role": "assistant", "content": "Shakespeare."}, {"role": "user", "content": "When?"}]
    brief = brief_messages(messages)  # type: ignore[arg-type]
    assert brief[:3] == messages[:3], "the prompt's start is the answer's own: a local model's cache keeps it"
    assert brief[3] == {"role": "user", "content": f"When?\n\n{BRIEF_INSTRUCTION}"}


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(facts, raise_on_error=True).failed == 0


async def checked_agent(tmp_path: Path, model: ScriptedModel) -> Agent:
    agent = create_agent(agent_settings(tmp_path, consistency_check=True))
    agent.chain = LlmChain([model], first_token_timeout_s=5.0)
    await agent.start()
    return agent


async def deltas(agent: Agent, conversation_id: str, text: str) -> list[str]:
    return [delta async for delta in agent.reply(conversation_id, text, language="en")]


async def test_answers_that_disagree_get_not_sure_and_the_guess_is_never_spoken(tmp_path: Path) -> None:
    model = ScriptedModel({
        BRIEF: "384,400 km",
        "": "The moon is about 149 million kilometers away from the Earth. It orbits every 27 days.",
    })
    agent = await checked_agent(tmp_path, model)
    try:
        assert agent.model is not None and agent.model.consistency is not None
        said = await deltas(agent, "c-moon", "How far away is the moon?")
        assert "".join(said) == NOT_SURE and not any("149" in part for part in said)
        assert model.closed_early >= 1, "the disagreeing generation was stopped"
        [turn] = await agent.store.recent_turns("c-moon")
        assert turn.reply_text == NOT_SURE
        assert (agent.model.consistency.checked, agent.model.consistency.refused) == (1, 1)
    finally:
        await agent.aclose()


async def test_answers_that_agree_stream_as_usual(tmp_path: Path) -> None:
    model = ScriptedModel({BRIEF: "Leonardo da Vinci", "": "The Mona Lisa was painted by Leonardo da Vinci. It hangs in Paris."})
    agent = await checked_agent(tmp_path, model)
    try:
        said = await deltas(agent, "c-mona", "Who painted the Mona Lisa?")
        assert "".join(said) == "The Mona Lisa was painted by Leonardo da Vinci. It hangs in Paris."
        assert len(said) > 1, "after the first sentence the rest streams delta by delta"
        assert [BRIEF in r[-1]["content"] for r in model.requests] == [True, False], "one brief answer, then the answer"
    finally:
        await agent.aclose()


async def test_a_model_that_says_it_does_not_know_is_not_asked_to_guess(tmp_path: Path) -> None:
    model = ScriptedModel({BRIEF: "I don't know.", "": "The 50th president was John Smith."})
    agent = await checked_agent(tmp_path, model)
    try:
        assert "".join(await deltas(agent, "c-50th", "Who will be the 50th president?")) == NOT_SURE
    finally:
        await agent.aclose()


async def test_chat_is_not_checked(tmp_path: Path) -> None:
    model = ScriptedModel({BRIEF: "No.", "": "Why did the chicken cross the road? To get to the other side."})
    agent = await checked_agent(tmp_path, model)
    try:
        assert "".join(await deltas(agent, "c-joke", "Tell me a joke")).startswith("Why did the chicken")
        assert len(model.requests) == 1, "no brief answer asked for"
    finally:
        await agent.aclose()


async def test_off_by_default_and_the_real_model_runs_the_check_end_to_end(tmp_path: Path) -> None:
    assert LlmSettings().consistency_check is False
    # A generous first-token bound: a liveness check on shared CI cores, not a speed check.
    agent = create_agent(agent_settings(tmp_path / "on", backend="embedded", model=TEST_MODEL, temperature=0.0,
                                        consistency_check=True, first_token_timeout_s=120.0))
    await agent.start()
    try:
        answer = "".join(await deltas(agent, "c-real", "Which planet is known as the Red Planet?"))
        assert answer.strip()
        assert agent.model.consistency is not None and agent.model.consistency.asked == 1, "the brief answer was asked for"
        if agent.model.consistency.refused:
            assert answer == NOT_SURE
        [turn] = await agent.store.recent_turns("c-real")
        assert turn.reply_text == answer.strip() and turn.backend == "embedded"
    finally:
        await agent.aclose()
