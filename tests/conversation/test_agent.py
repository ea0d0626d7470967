"""The conversation agent: intents first, then the model chain; apologies instead of failures;
every finished turn in the history; a conversation per session with an idle timeout."""

from __future__ import annotations

import socket
from pathlib import Path

from aria_server.conversation import Agent, create_agent
from aria_server.conversation.agent import Agent as AgentClass
from aria_server.conversation.intents import LANGUAGES, IntentHandler
from aria_server.conversation.sessions import ConversationSessions
from aria_server.conversation.timers import TimerService
from aria_server.llm.fallback import LlmChain
from aria_server.llm.openai_compat import OpenAICompatBackend
from aria_server.store import Database

from ..llm.borrowed import Borrowed
from .conftest import agent_settings


async def reply(agent: Agent, conversation_id: str, text: str, language: str | None = "en") -> str:
    return "".join([delta async for delta in agent.reply(conversation_id, text, language=language)])


async def test_local_intents_are_answered_and_stored(intent_agent: Agent) -> None:
    assert (await reply(intent_agent, "c1", "Set a timer for 2 minutes")) == "Timer set for 2 minutes."
    assert len(intent_agent.timers.active()) == 1
    record = await intent_agent.store.get_conversation("c1")
    assert record is not None
    assert [(t.user_text, t.reply_text, t.source) for t in record.turns] == [
        ("Set a timer for 2 minutes", "Timer set for 2 minutes.", "intent")
    ]


async def test_without_a_model_anything_else_gets_a_polite_limit(intent_agent: Agent) -> None:
    answer = await reply(intent_agent, "c1", "Tell me about the Roman empire")
    assert answer.startswith("Sorry, without a language model I can only do the time, the date, timers")
    assert intent_agent.health()["backend"] == "none" and intent_agent.health()["status"] == "disabled"


async def test_languages_outside_the_setting_are_not_supported(intent_agent: Agent) -> None:
    assert intent_agent.supports_language("en") and intent_agent.supports_language("en-US")
    assert intent_agent.supports_language(None)
    assert not intent_agent.supports_language("de")


async def test_a_dead_server_without_fallback_gets_the_spoken_apology(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}/v1"
        agent = create_agent(agent_settings(tmp_path, backend="openai", url=url, model="m", fallback=["none"]))
        await agent.start()  # a dead server is not fatal at start-up
        try:
            assert await reply(agent, "c1", "What is the meaning of life?") == (
                "I can't reach the language model right now."
            )
            assert await reply(agent, "c1", "What time is it?")  # intents still work
            health = agent.health()
            assert health["status"] == "down" and health["backend"] == "openai"
            assert health["last_error"] and "cannot reach" in health["last_error"]
            turns = await agent.store.recent_turns("c1")
            assert [t.source for t in turns] == ["apology", "intent"]
        finally:
            await agent.aclose()


async def test_a_dead_server_falls_back_to_the_embedded_model(tmp_path: Path, embedded_agent: Agent) -> None:
    assert embedded_agent.chain is not None
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        primary = OpenAICompatBackend(
            f"http://127.0.0.1:{held.getsockname()[1]}/v1", "m", api_key=None, context_size=4096, max_tokens=32,
            temperature=0.0, connect_timeout_s=2.0,
        )
        settings = agent_settings(tmp_path, backend="openai").llm
        chain = LlmChain([primary, Borrowed(embedded_agent.chain.backends[0])], first_token_timeout_s=4.0)
        agent = AgentClass(
            settings, intents=IntentHandler(LANGUAGES, TimerService(), llm_available=True), chain=chain,
            db=Database.in_data_dir(tmp_path),
        )
        await agent.start()
        try:
            answer = await reply(agent, "c1", "What is the capital of France?")
            assert answer and answer != "I can't reach the language model right now."
            (turn,) = await agent.store.recent_turns("c1")
            assert (turn.source, turn.backend) == ("fallback", "embedded")
            assert agent.health()["fallback_in_use"] is True
        finally:
            await agent.aclose()


async def test_follow_ups_are_answered_with_the_history(embedded_agent: Agent) -> None:
    first = await reply(embedded_agent, "c-follow", "What is the capital of France?")
    second = await reply(embedded_agent, "c-follow", "And of Italy?")
    assert first and second
    turns = await embedded_agent.store.recent_turns("c-follow")
    assert [(t.user_text, t.reply_text, t.source) for t in turns] == [
        ("What is the capital of France?", first, "llm"), ("And of Italy?", second, "llm")
    ]


async def test_a_cancelled_answer_is_not_stored(embedded_agent: Agent) -> None:
    stream = embedded_agent.reply("c-cancel", "Tell me a long story about a dragon.", language="en")
    assert await anext(stream)
    await stream.aclose()  # barge-in
    assert await embedded_agent.store.recent_turns("c-cancel") == []
    assert await reply(embedded_agent, "c-cancel", "Hello there")  # and the next turn is answered


async def test_a_session_keeps_its_conversation_until_it_is_idle(intent_agent: Agent) -> None:
    now = [1000.0]
    sessions = ConversationSessions(intent_agent.store, idle_s=300, clock=lambda: now[0])
    first = await sessions.conversation_for("kitchen")
    now[0] += 200
    assert await sessions.conversation_for("kitchen") == first  # a follow-up within the idle time
    assert await sessions.conversation_for("hall") != first
    now[0] += 301
    assert await sessions.conversation_for("kitchen") != first  # idle too long: a new conversation


async def test_a_restarted_server_continues_a_fresh_sessions_conversation(intent_agent: Agent) -> None:
    conversation = await intent_agent.conversation_for("kitchen")
    await reply(intent_agent, conversation, "What time is it?")
    # A new sessions table (as after a restart) finds the conversation in the store.
    restarted = ConversationSessions(intent_agent.store, idle_s=300)
    assert await restarted.conversation_for("kitchen") == conversation
    stale = ConversationSessions(intent_agent.store, idle_s=0)
    assert await stale.conversation_for("kitchen") != conversation
