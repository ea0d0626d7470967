"""Home Assistant down: device requests get a clear spoken answer, /health's home stage is
degraded, and everything else keeps answering. "Down" is a real closed port on 127.0.0.1 (the
running Home Assistant is tested in tests/homeassistant)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.config import validate_tree
from aria_server.conversation import Agent, create_agent
from aria_server.http.health import home_health
from tests.conversation.conftest import agent_settings


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def agent_without_its_home(tmp_path: Path) -> AsyncIterator[Agent]:
    """No language model; Home Assistant configured at a port where nothing answers."""
    token = tmp_path / "ha-token"
    token.write_text("some-token")
    tree = agent_settings(tmp_path).model_dump(mode="json")
    tree["ha"] = {"url": f"http://127.0.0.1:{closed_port()}", "token_file": str(token), "timeout_s": 5}
    agent = create_agent(validate_tree(tree))
    await agent.start()
    yield agent
    await agent.aclose()


async def reply(agent: Agent, text: str) -> str:
    return "".join([delta async for delta in agent.reply("c-home-down", text, language="en")])


async def test_the_start_up_probe_shows_the_home_stage_degraded(agent_without_its_home: Agent) -> None:
    stage = home_health(agent_without_its_home)
    assert stage.status == "degraded" and stage.details["last_error_code"] == "home-unreachable", stage
    assert "some-token" not in str(stage)


async def test_a_device_request_is_answered_clearly_and_nothing_is_claimed(agent_without_its_home: Agent) -> None:
    for text in ["Turn on the kitchen lights.", "Is the kitchen light on?"]:
        assert await reply(agent_without_its_home, text) == (
            "I can't reach Home Assistant right now, so nothing was changed or checked."
        )
    turns = await agent_without_its_home.store.recent_turns("c-home-down")
    assert [turn.source for turn in turns] == ["apology", "apology"]


async def test_everything_else_keeps_answering(agent_without_its_home: Agent) -> None:
    assert (await reply(agent_without_its_home, "What time is it?")).startswith("It's ")
    assert "without a language model" in await reply(agent_without_its_home, "Who wrote Romeo and Juliet?")
    turns = await agent_without_its_home.store.recent_turns("c-home-down")
    assert [turn.source for turn in turns] == ["intent", "apology"]
