"""Home Assistant's tools through the official ``mcp`` client, over both of its transports.

The server is a real MCP server (the ``mcp`` package's FastMCP under uvicorn, on 127.0.0.1)
at Home Assistant's paths (``/mcp_server/sse`` as in 2025.4, ``/api/mcp`` as in newer
releases), checking the bearer token as Home Assistant does, with Home Assistant's tool names and
result JSON. tests/homeassistant/test_tool_calls.py runs the client against Home Assistant itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest
import uvicorn
from mcp.server.fastmcp import FastMCP
from starlette.types import ASGIApp, Receive, Scope, Send

from aria_server.home.token import TokenSource
from aria_server.tools.base import ToolCall, ToolError
from aria_server.tools.home_mcp import HomeAssistantMcp
from aria_server.tools.toolbox import Toolbox

TOKEN = "test-token"


def home_server(lights: dict[str, bool]) -> FastMCP:
    server = FastMCP("Home Assistant", sse_path="/mcp_server/sse", message_path="/mcp_server/messages/",
                     streamable_http_path="/api/mcp")

    @server.tool(name="HassTurnOn", description="Turns on/opens/presses a device or entity")
    def turn_on(name: str) -> str:
        if name not in lights:
            raise ValueError(f"no device named {name}")
        lights[name] = True
        return json.dumps({"speech": {}, "response_type": "action_done",
                           "data": {"targets": [], "success": [{"name": name, "type": "entity"}], "failed": []}})

    @server.tool(name="HassTurnOff", description="Turns off/closes a device or entity")
    def turn_off(
        name: str, floor: str | None = None, device_class: list[Literal["tv", "switch"]] | None = None,
        domain: list[str] | None = None,
    ) -> str:
        # Home Assistant's own words for a failed match: the repr of its MatchFailedError (2026.2
        # checks the device class before the floor).
        if device_class is not None or floor is not None or name not in lights:
            reason, missing = (
                ("DEVICE_CLASS: 5", None) if device_class is not None
                else ("INVALID_FLOOR: 10", floor) if floor is not None else ("NAME: 1", None)
            )
            raise ValueError(f"<MatchFailedError result=MatchTargetsResult(is_match=False, no_match_reason="
                             f"<MatchFailedReason.{reason}>, states=[], no_match_name={missing!r}, areas=[])>")
        lights[name] = False
        return json.dumps({"speech": {}, "response_type": "action_done",
                           "data": {"targets": [], "success": [{"name": name, "type": "entity"}], "failed": []}})

    return server


class BearerOnly:
    """401 without Home Assistant's bearer token, as its HTTP layer answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != f"Bearer {TOKEN}".encode():
            await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"401: Unauthorized"})
            return
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def serving(app: Any, port: int = 0) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(BearerOnly(app), log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.mark.parametrize("transport", ["sse", "http"])
async def test_tools_are_listed_once_and_a_call_confirms_what_it_did(transport: str) -> None:
    lights = {"Kitchen Light": False}
    mcp = home_server(lights)
    app = mcp.sse_app() if transport == "sse" else mcp.streamable_http_app()
    async with serving(app) as url:
        provider = HomeAssistantMcp(url, TokenSource(None, TOKEN), transport="auto", timeout_s=5.0)
        try:
            toolbox = Toolbox([provider])
            assert [tool.name for tool in await toolbox.tools()] == ["HassTurnOn", "HassTurnOff"]
            assert provider.transport == transport  # auto found the one the server speaks
            result = await toolbox.call(ToolCall("1", "HassTurnOn", {"name": "Kitchen Light"}))
            assert result.ok and result.confirms_action and result.speech == "Turned on Kitchen Light."
            assert lights["Kitchen Light"]
            failed = await toolbox.call(ToolCall("2", "HassTurnOn", {"name": "Garage"}))
            assert not failed.ok and not failed.confirms_action and "no device named Garage" in failed.text
            await toolbox.tools()
            assert provider.connections == 1  # the list is cached on the open connection
        finally:
            await provider.aclose()


async def test_a_wrong_token_or_a_stopped_home_assistant_leaves_the_tools_out_in_bounded_time() -> None:
    async with serving(home_server({}).sse_app()) as url:
        wrong = HomeAssistantMcp(url, TokenSource(None, "wrong"), timeout_s=5.0)
        assert await Toolbox([wrong]).tools() == []
        # The next turns do not wait on it again for a while: no tools at once.
        with pytest.raises(ToolError, match="failed 30 s ago or less"):
            await wrong.list_tools()
        assert wrong.connections == 0
        await wrong.aclose()
    stopped = HomeAssistantMcp(url, TokenSource(None, TOKEN), timeout_s=2.0)
    async with asyncio.timeout(10):
        assert await Toolbox([stopped]).tools() == []
    await stopped.aclose()


async def test_after_home_assistant_restarts_the_next_turn_connects_again() -> None:
    lights = {"Kitchen Light": False}
    async with serving(home_server(lights).sse_app()) as url:
        provider = HomeAssistantMcp(url, TokenSource(None, TOKEN), transport="sse", timeout_s=3.0)
        assert len(await provider.list_tools()) == 2
    port = int(url.rsplit(":", 1)[1])
    # The same port again, a new server: the old connection is dead.
    async with serving(home_server(lights).sse_app(), port):
        try:
            toolbox = Toolbox([provider])
            first = [tool.name for tool in await toolbox.tools()]
            result = await toolbox.call(ToolCall("1", "HassTurnOn", {"name": "Kitchen Light"}))
            if not result.ok:  # the dead connection was only found by this call: it reconnects for the next
                assert result.error_code == "tool-unavailable"
                await toolbox.tools()
                result = await toolbox.call(ToolCall("2", "HassTurnOn", {"name": "Kitchen Light"}))
            assert first == ["HassTurnOn", "HassTurnOff"] and result.confirms_action and lights["Kitchen Light"]
            assert provider.connections == 2
        finally:
            await provider.aclose()


async def test_a_made_up_floor_or_device_class_is_dropped_for_a_named_device_and_a_failed_match_is_said_in_words() -> None:
    lights = {"Kitchen Light": True}
    async with serving(home_server(lights).sse_app()) as url:
        provider = HomeAssistantMcp(url, TokenSource(None, TOKEN), transport="sse", timeout_s=5.0)
        try:
            toolbox = Toolbox([provider])
            await toolbox.tools()
            done = await toolbox.call(ToolCall("1", "HassTurnOff", {"name": "Kitchen Light", "floor": "Living Room"}))
            assert done.confirms_action and done.speech == "Turned off Kitchen Light." and not lights["Kitchen Light"]
            # Home Assistant 2026.2's HassTurnOff lists device classes (the bundled model sends them
            # all) and checks the arguments' types first (one domain must come as a list).
            lights["Kitchen Light"] = True
            done = await toolbox.call(ToolCall("3", "HassTurnOff", {
                "name": "Kitchen Light", "floor": "Living Room", "device_class": ["tv", "switch"], "domain": "light"}))
            assert done.confirms_action and not lights["Kitchen Light"], done
            # A class the schema does not list (lights have none) is left out, not the call refused.
            lights["Kitchen Light"] = True
            done = await toolbox.call(ToolCall("4", "HassTurnOff", {"name": "Kitchen Light", "device_class": ["light"]}))
            assert done.confirms_action and not lights["Kitchen Light"], done
            missing = await toolbox.call(ToolCall("2", "HassTurnOff", {"name": "garage_heater"}))
            assert not missing.ok and missing.text.endswith("there is no device called garage heater")
        finally:
            await provider.aclose()
