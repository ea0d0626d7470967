"""One real server for the HTTP and /ws tests (its own data directory), and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from .server_process import AriaProcess, running_server


@pytest.fixture(scope="session")
async def aria(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AriaProcess]:
    """The shared server: loopback, no token, no language model (local intents answer).

    It is given an API key and a Home Assistant token (no Home Assistant URL, so no home control)
    only to show that secrets never come back out.
    """
    async with running_server(
        tmp_path_factory.mktemp("aria-http"), "--llm-api-key", "sk-test-secret", "--ha-token", "ha-test-secret"
    ) as server:
        yield server


@pytest.fixture
async def http(aria: AriaProcess) -> AsyncIterator[aiohttp.ClientSession]:
    """A client whose relative URLs go to the shared server."""
    async with aiohttp.ClientSession(base_url=aria.url) as session:
        yield session
