"""The agent's tool-call loop on the bundled default model (Qwen2.5-Coder-0.5B-Instruct, whose chat
template renders the tools and which writes its calls as ``<tool_call>`` JSON).

The tools are a tiny home of lights (tests/tools/home.py, a real provider that answers as Home
Assistant's MCP server does); tests/homeassistant/test_tool_calls.py runs the same loop against
the real Home Assistant. What is checked is the truth rule: an action is claimed only when a
tool result confirmed it, and then in the result's words; a failed call is said honestly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aria_server.conversation import Agent, create_agent
from aria_server.conversation.truth import ClaimGate, claims_action
from aria_server.llm.gguf import QWEN_CODER_05B
from aria_server.tools.toolbox import Toolbox
from tests.tools.home import LightsHome, UnreachableHome

from .conftest import agent_settings


@pytest.fixture(scope="module")
async def qwen_agent(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Agent]:
    """An agent on the bundled default model (the tiny test model writes no tool calls)."""
    settings = agent_settings(
        tmp_path_factory.mktemp("tool-agent"), backend="embedded", model=QWEN_CODER_05B.name, temperature=0.0,
        context_size=2048, threads=2, first_token_timeout_s=120.0,
    )
    agent = create_agent(settings, tools=Toolbox([LightsHome()]))
    await agent.start()
    yield agent
    await agent.aclose()


async def ask(agent: Agent, conversation_id: str, text: str, area: str | None = None) -> tuple[str, str]:
    """The spoken reply and the stored turn's source."""
    spoken = "".join([delta async for delta in agent.reply(conversation_id, text, language="en", area=area)])
    record = await agent.store.get_conversation(conversation_id)
    assert record is not None
    return spoken, record.turns[-1].source


async def test_a_command_is_carried_out_by_a_tool_and_said_in_the_results_words(qwen_agent: Agent) -> None:
    home = LightsHome()
    qwen_agent.toolbox = Toolbox([home])
    spoken, source = await ask(qwen_agent, "tools-on", "Please turn on the kitchen light.")
    assert [call.name for call in home.calls] == ["HassTurnOn"]
    assert home.on("Kitchen Light") and not home.on("Bedroom Light")
    assert (spoken, source) == ("Turned on Kitchen Light.", "tool")


async def test_a_failed_call_is_said_honestly_and_claims_nothing(qwen_agent: Agent) -> None:
    home = LightsHome(fail_with="Home Assistant could not reach the kitchen light")
    qwen_agent.toolbox = Toolbox([home])
    spoken, source = await ask(qwen_agent, "tools-fail", "Please turn on the kitchen light.")
    assert home.calls and not home.on("Kitchen Light")
    assert spoken == "That didn't work, so nothing was changed: Home Assistant could not reach the kitchen light."
    assert source == "tool" and not claims_action(spoken)


async def test_without_reachable_tools_the_model_answers_and_claims_nothing(qwen_agent: Agent) -> None:
    qwen_agent.toolbox = Toolbox([UnreachableHome()])
    spoken, source = await ask(qwen_agent, "tools-down", "Please turn on the kitchen light.")
    assert spoken.strip()
    # Whatever the model said, no action claim got through: it was cut and honestly replaced.
    assert source in ("llm", "guard")
    if source == "guard":
        assert spoken.endswith(qwen_agent.intents.phrase("en", "claim_refused"))
    else:
        assert not claims_action(spoken)


@pytest.mark.parametrize("reply", [
    "Turned on Garage heater.", "Okay, switched off the lights.", "Garage heater turned on.", "Opened the garage door.",
])
def test_a_report_in_a_tools_words_is_a_claim_the_model_may_not_make(reply: str) -> None:
    # What a tool result says ("Turned on Kitchen light.") a model imitates without calling anything.
    gate = ClaimGate(confirmed=False)
    released = gate.feed(reply + " ") + gate.finish()
    assert gate.blocked and released in ("", "Okay,")  # the clause before the claim may go out


async def test_a_second_command_in_the_conversation_calls_the_tool_again(qwen_agent: Agent) -> None:
    home = LightsHome()
    qwen_agent.toolbox = Toolbox([home])
    first, _ = await ask(qwen_agent, "tools-twice", "Please turn on the kitchen light.")
    second, source = await ask(qwen_agent, "tools-twice", "Please turn on the bedroom light.")
    assert first == "Turned on Kitchen Light."
    # The first reply is not in the model's history (it would imitate it without a call).
    assert len(home.calls) == 2 and home.on("Bedroom Light")
    assert (second, source) == ("Turned on Bedroom Light.", "tool")


async def test_the_satellites_area_follows_the_users_words_and_the_prefix_stays_put(qwen_agent: Agent) -> None:
    backend = qwen_agent.chain.backends[0] if qwen_agent.chain else None
    assert backend is not None
    kitchen = await qwen_agent.tool_prompts.build(backend, "area-1", [], "Turn on the light.", note="I am in the Kitchen area.")
    bedroom = await qwen_agent.tool_prompts.build(backend, "area-2", [], "Turn on the light.", note="I am in the Bedroom area.")
    assert kitchen.messages[-1]["content"] == "Turn on the light.\n(I am in the Kitchen area.)"
    assert kitchen.messages[0] == bedroom.messages[0]  # the system prompt (and the tools after it) never change
