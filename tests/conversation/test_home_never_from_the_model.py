"""A request about the home never reaches the speaker as the model's own words, whatever the
model would say.

The model here is scripted (a stand-in that says what the test chooses: a small real model says
such things only sometimes, and the point is that it makes no difference). Home Assistant is
configured at a real closed port on 127.0.0.1 and the home's registries are the test home's; the
living Home Assistant is in tests/homeassistant/test_home_truth.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.config import validate_tree
from aria_server.conversation import Agent, create_agent
from aria_server.llm.fallback import LlmChain
from tests.home.registry import home
from tests.home.test_home_unreachable import closed_port

from .conftest import agent_settings
from .test_truth import ScriptedModel

LIES = ["Yes", ", the kitchen light is on", " and I unlocked", " the front door.", " Light 1 and Light 2 are on."]


@pytest.fixture
async def lying_agent(tmp_path: Path) -> AsyncIterator[tuple[Agent, ScriptedModel]]:
    token = tmp_path / "ha-token"
    token.write_text("some-token")
    tree = agent_settings(tmp_path).model_dump(mode="json")
    tree["ha"] = {"url": f"http://127.0.0.1:{closed_port()}", "token_file": str(token), "timeout_s": 5}
    agent = create_agent(validate_tree(tree))
    model = ScriptedModel(LIES)
    agent.chain = LlmChain([model], first_token_timeout_s=5.0)
    await agent.start()
    assert agent.home is not None
    agent.home.directory.snapshot = home()
    yield agent, model
    await agent.aclose()


@pytest.mark.parametrize(
    "text",
    [
        "Is the kitchen light on?",
        "Which lights are on?",
        "Unlock the front door.",
        "Close the garage.",  # not a template: still about the home
        "Make the bedroom brighter.",
        "Tell me about the coffee maker.",
        "Dim the hall lamp to 30 percent.",
        "It's too dark in here.",
    ],
)
async def test_a_home_request_is_never_answered_in_the_models_words(lying_agent: tuple[Agent, ScriptedModel], text: str) -> None:
    agent, model = lying_agent
    spoken = "".join([delta async for delta in agent.reply("c-home-lies", text, language="en")])
    assert spoken and not any(lie.strip(" ,.") in spoken for lie in LIES), spoken
    (turn,) = await agent.store.recent_turns("c-home-lies")
    assert turn.source in ("home", "guard", "apology"), turn


async def test_a_general_question_still_reaches_the_model(lying_agent: tuple[Agent, ScriptedModel]) -> None:
    agent, _ = lying_agent
    spoken = "".join([delta async for delta in agent.reply("c-general", "Who wrote Hamlet?", language="en")])
    (turn,) = await agent.store.recent_turns("c-general")
    # Asked; its words went through the claim gate (the last line, which cut its claims here).
    assert turn.backend == "embedded" and spoken.startswith("Yes"), (turn, spoken)
