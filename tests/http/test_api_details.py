"""Small API contract details (issue 13, item 10): path parameters and statuses in the OpenAPI
description, and ``Allow`` on a 405."""

from __future__ import annotations

import aiohttp


async def _spec(http: aiohttp.ClientSession) -> dict[str, dict]:  # type: ignore[type-arg]
    async with http.get("/openapi.json") as response:
        assert response.status == 200
        spec: dict[str, dict] = await response.json()  # type: ignore[type-arg]
        return spec


async def test_path_parameters_are_described_with_their_404(http: aiohttp.ClientSession) -> None:
    paths = (await _spec(http))["paths"]
    conversation = paths["/conversations/{id}"]["get"]
    assert conversation["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert "404" in conversation["responses"]
    announce = paths["/satellites/{name}/announce"]["post"]
    assert [p["name"] for p in announce["parameters"]] == ["name"]
    assert {"404", "409", "503"} <= set(announce["responses"])
    assert "503" in paths["/health"]["get"]["responses"]


async def test_a_405_says_which_methods_are_allowed(http: aiohttp.ClientSession) -> None:
    async with http.delete("/config") as response:
        assert response.status == 405
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
        assert (await response.json())["error"]["code"] == "method-not-allowed"
