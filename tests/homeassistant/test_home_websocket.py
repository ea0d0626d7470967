"""Aria's Home Assistant websocket client and home directory against the tier's real Home Assistant.

The client runs in the test process and reaches Home Assistant through the tier's Unix-socket
bridge (the only way out of the namespace); everything it talks to is Home Assistant itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from aria_server.errors import HomeUnauthorized
from aria_server.home.directory import HOME_AGENT, HomeDirectory
from aria_server.home.token import TokenSource
from aria_server.home.websocket import HomeWebsocket

from .conftest import Satellite
from .harness import HA_PORT, HomeAssistant, HomeAssistantWs
from .test_home_control import KITCHEN, LIVING_ROOM, set_light, state

URL = f"http://127.0.0.1:{HA_PORT}"


def bridged(ha_workdir: Path) -> aiohttp.UnixConnector:
    return aiohttp.UnixConnector(path=str(ha_workdir / "ha.sock"))


@pytest.fixture
async def client(home_assistant: HomeAssistant, ha_workdir: Path) -> AsyncIterator[HomeWebsocket]:
    ws = HomeWebsocket(URL, TokenSource(value=home_assistant.token), 30.0, connector=lambda: bridged(ha_workdir))
    yield ws
    await ws.aclose()


async def until(condition: object, what: str, timeout: float = 30.0) -> None:
    """Waits (a liveness bound) until ``condition()`` is true."""
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.05)


async def test_commands_are_answered_on_an_authenticated_connection(client: HomeWebsocket) -> None:
    areas = await client.call("config/area_registry/list")
    assert {"Kitchen", "Living Room"} <= {area["name"] for area in areas}
    assert client.connected


async def test_a_wrong_token_is_refused_as_unauthorized(ha_workdir: Path) -> None:
    ws = HomeWebsocket(URL, TokenSource(value="not-a-valid-token"), 30.0, connector=lambda: bridged(ha_workdir))
    try:
        with pytest.raises(HomeUnauthorized) as refused:
            await ws.call("config/area_registry/list")
        assert "not-a-valid-token" not in str(refused.value)
    finally:
        await ws.aclose()


async def test_the_fast_path_pipeline_is_home_assistants_own_agent_never_arias(
    client: HomeWebsocket, ha_ws: HomeAssistantWs, aria_pipeline: str
) -> None:
    """Aria's pipeline is the preferred one in the tier: the fast path must not pick it."""
    chosen = await HomeDirectory(client).pipeline("en")
    listed = await ha_ws.call("assist_pipeline/pipeline/list")
    assert listed["preferred_pipeline"] == aria_pipeline and chosen != aria_pipeline
    (pipeline,) = [p for p in listed["pipelines"] if p["id"] == chosen]
    assert pipeline["conversation_engine"] == HOME_AGENT


async def test_an_intent_run_with_a_kitchen_device_turns_on_only_the_kitchen_light(
    client: HomeWebsocket, home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, satellite: Satellite
) -> None:
    """"Turn on the light" carries no room: the device's area (Kitchen) is the room."""
    device = await home_assistant.device_of(ha_ws, satellite.entity)
    directory = HomeDirectory(client)
    assert await directory.device_for("some-satellite", area="Kitchen") == device
    await set_light(home_assistant, KITCHEN, False)
    await set_light(home_assistant, LIVING_ROOM, False)
    output = await client.run_intent("turn on the light", pipeline=await directory.pipeline("en"), device_id=device)
    assert output["response"]["response_type"] == "action_done", output
    assert await state(home_assistant, KITCHEN) == "on"
    assert await state(home_assistant, LIVING_ROOM) == "off"


async def test_registry_changes_refresh_the_names_and_survive_a_dropped_connection(
    client: HomeWebsocket, ha_ws: HomeAssistantWs
) -> None:
    directory = HomeDirectory(client)
    await directory.start()
    names = directory.snapshot.names
    assert {"Kitchen", "Living Room", "Kitchen light", "Living room light"} <= set(names), names
    link = client._link
    assert link is not None
    await link.ws.close()  # as when Home Assistant restarts: the next call connects again
    await until(lambda: not client.connected, "the connection seen closed")
    created = await ha_ws.call("config/area_registry/create", name="Garage")
    try:
        # Nothing asks until the next request: the refresh a reconnection makes also subscribes again.
        await client.call("config/area_registry/list")
        await until(lambda: "Garage" in directory.snapshot.names, "Garage among the names")
        await ha_ws.call("config/area_registry/update", area_id=created["area_id"], name="Workshop")
        await until(lambda: "Workshop" in directory.snapshot.names, "the renamed area among the names")
    finally:
        await ha_ws.call("config/area_registry/delete", area_id=created["area_id"])
        directory.close()
