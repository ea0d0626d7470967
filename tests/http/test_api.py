"""/health, /models and /openapi.json on the shared server."""

from __future__ import annotations

import aiohttp

from aria_server.http.routes import ROUTES

STAGE_KEYS = {"status", "backend", "model", "device", "loaded", "fallback_in_use", "last_error", "details"}


async def test_health_reports_every_stage(http: aiohttp.ClientSession) -> None:
    async with http.get("/health") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok"
    assert set(body["stages"]) == {"wake", "vad", "stt", "llm", "tts", "home", "satellites"}
    for name, stage in body["stages"].items():
        assert set(stage) == STAGE_KEYS, name
    assert body["stages"]["stt"] | {"details": None} == {
        "status": "ok", "backend": "faster-whisper", "model": "tiny.en", "device": "cpu", "loaded": True,
        "fallback_in_use": False, "last_error": None, "details": None,
    }
    assert body["stages"]["tts"]["model"] == "en_US-joe-medium" and body["stages"]["tts"]["loaded"] is True
    assert body["stages"]["llm"]["status"] == "disabled" and body["stages"]["llm"]["backend"] == "none"
    assert body["stages"]["home"]["status"] == "disabled", "no --ha-url: no home stage to lower the verdict"


async def test_models_lists_what_each_stage_can_use(http: aiohttp.ClientSession) -> None:
    async with http.get("/models") as response:
        assert response.status == 200
        body = await response.json()
    assert body["stt"]["active"] == "tiny.en" and "tiny.en" in [m["name"] for m in body["stt"]["models"]]
    assert body["tts"]["active"] == "en_US-joe-medium"
    assert "en_US-joe-medium" in [v["name"] for v in body["tts"]["voices"]]
    assert body["llm"] == {"backend": "none", "active": None, "running": None, "models": [], "error": None}
    assert body["stt"]["running"] == "tiny.en" and body["tts"]["running"] == "en_US-joe-medium"


async def test_openapi_describes_every_route(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi.json") as response:
        assert response.status == 200
        spec = await response.json()
    assert spec["openapi"].startswith("3.")
    for route in ROUTES:
        operation = spec["paths"][route.path][route.method.lower()]
        assert operation["summary"] == route.summary
        if route.path != "/ws":
            assert "$ref" in operation["responses"]["400"]["content"]["application/json"]["schema"]
    config_body = spec["paths"]["/config"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert config_body == {"$ref": "#/components/schemas/ServerSettings"}
    assert "llm" in spec["components"]["schemas"]["ServerSettings"]["properties"]
    assert "LlmSettings" in spec["components"]["schemas"]
    assert {"WsClientMessage", "WsServerMessage"} <= set(spec["components"]["schemas"])


async def test_unknown_paths_and_methods_answer_json_errors(http: aiohttp.ClientSession) -> None:
    async with http.get("/nope") as response:
        assert response.status == 404 and (await response.json())["error"]["code"] == "not-found"
    async with http.delete("/config") as response:
        assert response.status == 405 and (await response.json())["error"]["code"] == "method-not-allowed"
