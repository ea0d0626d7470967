"""The Home Assistant websocket client's bounds: a server that never answers, one that drops the
connection mid-run, one that refuses the token. Each is a real aiohttp websocket server on
127.0.0.1 that misbehaves on purpose (a real Home Assistant cannot be made to hang or cut off on
cue; the well-behaved paths run against the real one in tests/homeassistant/test_home_websocket.py).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from aria_server.errors import HomeUnauthorized, HomeUnreachable
from aria_server.home.token import TokenSource
from aria_server.home.websocket import HomeWebsocket

Behaviour = Callable[[web.WebSocketResponse], Awaitable[None]]
Serve = Callable[[Behaviour], Awaitable[str]]
TIMEOUT_S = 0.5


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    runners: list[web.AppRunner] = []

    async def start(behaviour: Behaviour) -> str:
        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await behaviour(ws)
            return ws

        app = web.Application()
        app.router.add_get("/api/websocket", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def authenticated(ws: web.WebSocketResponse) -> None:
    await ws.send_json({"type": "auth_required"})
    await ws.receive_json()
    await ws.send_json({"type": "auth_ok"})


async def test_a_server_that_never_answers_is_unreachable_within_the_timeout(serve: Serve) -> None:
    async def silent(ws: web.WebSocketResponse) -> None:
        await authenticated(ws)
        async for _ in ws:
            pass  # reads every command, answers none

    client = HomeWebsocket(await serve(silent), TokenSource(value="t"), TIMEOUT_S)
    try:
        # Its own bound ends the wait (the outer one only stops a hung test).
        with pytest.raises(HomeUnreachable, match="did not answer"):
            await asyncio.wait_for(client.call("config/area_registry/list"), 60)
    finally:
        await client.aclose()


async def test_a_connection_dropped_mid_run_fails_the_run_and_the_next_call_connects_again(serve: Serve) -> None:
    connections = 0

    async def drops_the_first(ws: web.WebSocketResponse) -> None:
        nonlocal connections
        connections += 1
        await authenticated(ws)
        async for message in ws:
            command = message.json()
            if connections == 1:
                await ws.close()  # mid-run, before any event
                return
            await ws.send_json({"id": command["id"], "type": "result", "success": True, "result": []})

    client = HomeWebsocket(await serve(drops_the_first), TokenSource(value="t"), 30.0)
    try:
        with pytest.raises(HomeUnreachable, match="closed"):
            await client.run_intent("turn on the light", pipeline="p", device_id="d")
        assert await client.call("config/area_registry/list") == []
        assert connections == 2
    finally:
        await client.aclose()


async def test_a_refused_token_is_unauthorized_and_never_in_the_error(serve: Serve) -> None:
    async def refuses(ws: web.WebSocketResponse) -> None:
        await ws.send_json({"type": "auth_required"})
        await ws.receive_json()
        await ws.send_json({"type": "auth_invalid", "message": "Invalid access token or password"})
        await ws.close()

    client = HomeWebsocket(await serve(refuses), TokenSource(value="secret-token"), TIMEOUT_S)
    try:
        with pytest.raises(HomeUnauthorized) as refused:
            await client.call("get_states")
        assert "secret-token" not in str(refused.value)
    finally:
        await client.aclose()


async def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = HomeWebsocket(f"http://127.0.0.1:{port}", TokenSource(value="t"), 30.0)
    try:
        with pytest.raises(HomeUnreachable):
            await asyncio.wait_for(client.call("get_states"), 30.0)
    finally:
        await client.aclose()
