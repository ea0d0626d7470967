"""The token, Host and Origin rules, against real servers (traffic only ever goes to 127.0.0.1)."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from aria_server.http.auth import token_required

from .server_process import AriaProcess, running_server


@pytest.mark.parametrize(
    ("host", "forced", "required"),
    [
        ("127.0.0.1", False, False),
        ("127.0.0.2", False, False),
        ("::1", False, False),
        ("localhost", False, False),
        ("127.0.0.1", True, True),
        ("0.0.0.0", False, True),
        ("::", False, True),
        ("192.168.1.20", False, True),
        ("aria.local", False, True),
    ],
)
def test_the_token_is_required_unless_bound_to_loopback(host: str, forced: bool, required: bool) -> None:
    assert token_required(host, forced) is required


@pytest.fixture(scope="module")
async def guarded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AriaProcess]:
    """A server that requires its token although it is on 127.0.0.1 (http.require_token)."""
    async with running_server(
        tmp_path_factory.mktemp("aria-auth"), "--http-require-token", "--http-allowed-origins", "https://aria.example"
    ) as server:
        yield server


def token_of(server: AriaProcess) -> str:
    return (server.data_dir / "http-token").read_text().strip()


async def status_of(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(url + path, headers=headers or {}) as response:
        return response.status, await response.json()


async def test_the_token_is_generated_kept_private_and_logged_once(guarded: AriaProcess) -> None:
    path = guarded.data_dir / "http-token"
    token = token_of(guarded)
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sum(token in line for line in guarded.lines) == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
async def test_the_api_refuses_a_missing_or_wrong_token(guarded: AriaProcess, headers: dict[str, str]) -> None:
    for path in ("/health", "/config", "/models", "/openapi.json"):
        status, body = await status_of(guarded.url, path, headers)
        assert status == 401, path
        assert body["error"]["code"] == "unauthorized"


async def test_a_bearer_token_opens_the_api_but_not_as_a_query_parameter(guarded: AriaProcess) -> None:
    token = token_of(guarded)
    status, _ = await status_of(guarded.url, "/config", {"Authorization": f"Bearer {token}"})
    assert status == 200
    status, _ = await status_of(guarded.url, f"/config?token={token}")
    assert status == 401, "query tokens are only for the WebSocket (they end up in histories and logs)"


async def test_the_dashboard_page_itself_needs_no_token(guarded: AriaProcess) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/static/js/main.js"):
            async with http.get(guarded.url + path) as response:
                assert response.status == 200, path


async def test_the_websocket_takes_the_token_as_a_query_parameter_or_header(guarded: AriaProcess) -> None:
    token = token_of(guarded)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(guarded.url + "/ws")
        assert refused.value.status == 401
        for url, headers in [(f"{guarded.url}/ws?token={token}", {}), (f"{guarded.url}/ws", {"Authorization": f"Bearer {token}"})]:
            async with http.ws_connect(url, headers=headers) as ws:
                hello = await ws.receive_json(timeout=30)
                assert hello["type"] == "status" and hello["data"] == "idle"


async def test_the_websocket_checks_the_origin(guarded: AriaProcess) -> None:
    url = f"{guarded.url}/ws?token={token_of(guarded)}"
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url, origin="https://evil.example")
        assert refused.value.status == 403
        for origin in (guarded.url, "https://aria.example"):
            async with http.ws_connect(url, origin=origin) as ws:
                assert (await ws.receive_json(timeout=30))["type"] == "status"


async def test_the_token_survives_a_restart_and_is_not_logged_again(tmp_path: Path) -> None:
    async with running_server(tmp_path, "--http-require-token") as first:
        token = token_of(first)
    async with running_server(tmp_path, "--http-require-token") as second:
        assert token_of(second) == token
        assert not any(token in line for line in second.lines)
        status, _ = await status_of(second.url, "/health", {"Authorization": f"Bearer {token}"})
        assert status == 200


async def test_bound_to_every_address_the_token_is_required(tmp_path: Path) -> None:
    async with running_server(tmp_path, "--host", "0.0.0.0") as server:
        url = server.url.replace("0.0.0.0", "127.0.0.1")  # never talk to a non-loopback address
        status, body = await status_of(url, "/health")
        assert status == 401 and body["error"]["code"] == "unauthorized"
        status, _ = await status_of(url, "/health", {"Authorization": f"Bearer {token_of(server)}"})
        assert status == 200


async def test_without_a_token_only_loopback_host_names_and_origins_are_served(http: aiohttp.ClientSession) -> None:
    async with http.get("/config", headers={"Host": "evil.example"}) as response:
        assert response.status == 403 and (await response.json())["error"]["code"] == "host-not-allowed"
    async with http.post("/config", json={}, headers={"Origin": "https://evil.example"}) as response:
        assert response.status == 403 and (await response.json())["error"]["code"] == "origin-not-allowed"
    async with http.get("/config", headers={"Host": "localhost:1234"}) as response:
        assert response.status == 200
