"""Conversation fixtures: an agent on the real embedded model (started once per session) and
cheap agents with no language model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.config import validate_tree
from aria_server.conversation import Agent, create_agent
from aria_server.settings import ServerSettings
from tests.llm.servers import TEST_MODEL


def agent_settings(data_dir: Path, **llm: object) -> ServerSettings:
    """Settings with a data directory and ``llm`` overrides (backend none unless given)."""
    return validate_tree({"data_dir": str(data_dir), "zeroconf": False, "llm": {"backend": "none", **llm}})


@pytest.fixture(scope="session")
async def embedded_agent(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Agent]:
    """The default agent: local intents, then a bundled model (the tiny test one) in its worker process."""
    agent = create_agent(
        agent_settings(tmp_path_factory.mktemp("agent"), backend="embedded", model=TEST_MODEL, temperature=0.0)
    )
    await agent.start()
    yield agent
    await agent.aclose()


@pytest.fixture
async def intent_agent(tmp_path: Path) -> AsyncIterator[Agent]:
    """An agent without a language model (``--llm-backend none``)."""
    agent = create_agent(agent_settings(tmp_path))
    await agent.start()
    yield agent
    await agent.aclose()
