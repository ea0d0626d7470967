"""GET /satellites and POST /satellites/{name}/announce with a real aria-satellite process."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from ..waiting import wait_until
from .server_process import AriaProcess, running_satellite, running_server


@pytest.fixture(scope="module")
async def with_satellite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[AriaProcess, Path]]:
    """A server driving one satellite called kitchen; yields the server and the satellite's sound file."""
    directory = tmp_path_factory.mktemp("aria-satellite")
    async with running_satellite(directory, "kitchen") as (address, played):
        async with running_server(directory / "server", "--satellite", address) as server:
            await server.wait_for_line(r"satellite \S+ connected")
            yield server, played


async def get_json(url: str, path: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(url + path) as response:
        return response.status, await response.json()


async def test_the_connected_satellite_is_listed(with_satellite: tuple[AriaProcess, Path]) -> None:
    server, _ = with_satellite
    status, body = await get_json(server.url, "/satellites")
    assert status == 200
    [kitchen] = body["satellites"]  # type: ignore[misc]
    assert kitchen["name"] == "kitchen" and kitchen["connected"] is True
    assert kitchen["state"] == "idle" and kitchen["address"].startswith("tcp://127.0.0.1:")


async def test_health_and_metrics_count_it(with_satellite: tuple[AriaProcess, Path]) -> None:
    server, _ = with_satellite
    _, health = await get_json(server.url, "/health")
    stages = health["stages"]  # type: ignore[index]
    assert stages["satellites"]["status"] == "ok" and stages["satellites"]["details"] == {"connected": 1, "known": 1}
    assert list(stages["wake"]["details"]["satellites"]) == ["kitchen"]
    async with aiohttp.ClientSession() as http, http.get(server.url + "/metrics") as response:
        assert "aria_satellites_connected 1.0" in (await response.text()).splitlines()


async def test_an_announcement_is_spoken_on_the_satellite(with_satellite: tuple[AriaProcess, Path]) -> None:
    server, played = with_satellite
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "/satellites/kitchen/announce", json={"text": "Dinner is ready."}) as response:
            assert response.status == 200, await response.text()
            result = await response.json()
    assert result["satellite"] == "kitchen" and result["seconds"] > 0.5 and isinstance(result["played"], bool)
    # The satellite plays in real time into its sound file; wait until all of it is there.
    await wait_until(lambda: played_seconds(played) >= 0.9 * result["seconds"])


def played_seconds(path: Path) -> float:
    if not path.exists():
        return 0.0
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/satellites/attic/announce", {"text": "Hello"}, 404, "unknown-satellite"),
        ("/satellites/kitchen/announce", {"text": ""}, 400, "bad-announcement"),
        ("/satellites/kitchen/announce", {"text": 5}, 400, "bad-announcement"),
        ("/satellites/kitchen/announce", {"words": "Hello"}, 400, "bad-announcement"),
    ],
)
async def test_bad_announcements_get_a_4xx(
    with_satellite: tuple[AriaProcess, Path], path: str, body: object, status: int, code: str
) -> None:
    server, _ = with_satellite
    async with aiohttp.ClientSession() as http, http.post(server.url + path, json=body) as response:
        assert response.status == status
        assert (await response.json())["error"]["code"] == code


async def test_without_satellites_the_list_is_empty(http: aiohttp.ClientSession) -> None:
    async with http.get("/satellites") as response:
        assert response.status == 200 and (await response.json()) == {"satellites": []}


async def test_the_house_endpoints_check_their_bodies_and_are_described(
    with_satellite: tuple[AriaProcess, Path],
) -> None:
    server, _ = with_satellite
    async with aiohttp.ClientSession(server.url) as http:
        async with http.post("/satellites/kitchen/ask", json={"question": "Lights off?", "answers": []}) as response:
            assert response.status == 400 and (await response.json())["error"]["code"] == "bad-request"
        async with http.post("/satellites/nowhere/start-conversation", json={"text": "Hello"}) as response:
            assert response.status == 404 and (await response.json())["error"]["code"] == "unknown-satellite"
        async with http.post("/satellites/kitchen/config", json={"wake_threshold": 2}) as response:
            assert response.status == 400
        async with http.post("/broadcast", json={"text": "Dinner is ready.", "exclude": ["kitchen"]}) as response:
            assert response.status == 200 and (await response.json())["spoken"] == []
        async with http.get("/openapi.json") as response:
            paths = (await response.json())["paths"]
    for path in ("/satellites/{name}/start-conversation", "/satellites/{name}/ask", "/satellites/{name}/config", "/broadcast"):
        assert "post" in paths[path], path
