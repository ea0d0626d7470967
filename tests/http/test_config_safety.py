"""A configuration change cannot brick the next start (issue 13, items 5 and 8).

``POST /config`` refuses what it can check (models present, ports apart, limits above what
clients send); and a saved configuration that still cannot start makes the server start on
the last one that did, saying so in the log and in ``/health``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .server_process import AriaProcess, run_until_exit, running_server
from .test_config import persisted, post


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"stt": {"model": ""}}, {"stt.model"}),
        ({"tts": {"fallback": ["coqui"]}}, {"tts.fallback"}),
        ({"llm": {"backend": "embedded", "model": "/nowhere/model.gguf"}}, {"llm.model"}),
        ({"wyoming": {"port": 18311}, "http": {"port": 18311}}, {"wyoming.port", "http.port"}),
        ({"wyoming": {"max_payload_bytes": 1024}}, {"wyoming.max_payload_bytes"}),
        ({"http": {"max_body_bytes": 1024}}, {"http.max_body_bytes"}),
    ],
    ids=["empty-stt-model", "coqui-not-installed", "missing-gguf", "same-ports", "tiny-payload", "tiny-body"],
)
async def test_a_value_that_would_stop_the_next_start_is_refused(
    http: aiohttp.ClientSession, aria: AriaProcess, change: dict[str, Any], fields: set[str]
) -> None:
    if "tts" in change:
        import importlib.util

        if importlib.util.find_spec("TTS") is not None:
            pytest.skip("Coqui TTS is installed here, so the coqui fallback is a valid choice")
    before = persisted(aria)
    status, body = await post(http, change)
    assert status == 422, body
    assert set(body["error"]["fields"]) == fields
    assert persisted(aria) == before


@pytest.mark.parametrize(
    "raw",
    # 60 KB: under the 64 KB body limit, so the parser (not the size check) must refuse it.
    [b'{"llm": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", b'{"llm": {"context_size": 1' + b"0" * 5000 + b"}}"],
    ids=["nested-30000-deep", "5000-digit-integer"],
)
async def test_odd_json_is_a_400_not_a_500(http: aiohttp.ClientSession, raw: bytes) -> None:
    async with http.post("/config", data=raw, headers={"Content-Type": "application/json"}) as response:
        body = await response.json()
        assert response.status == 400, body
    assert body["error"]["code"] == "bad-json"


async def _health(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession(base_url=url) as http, http.get("/health") as response:
        return dict(await response.json())


async def test_a_saved_configuration_that_cannot_start_falls_back_to_the_last_good_one(tmp_path: Path) -> None:
    async with running_server(tmp_path) as first:
        async with aiohttp.ClientSession(base_url=first.url) as http:
            status, _ = await post(http, {"llm": {"temperature": 0.25}})
            assert status == 200
        assert (await _health(first.url))["config"] == {"status": "saved", "problem": None}
    async with running_server(tmp_path):
        pass  # this start ran on the change: it is now the last good configuration
    # As a hand edit (or an older server) could leave it: valid JSON, a model that is not there.
    (tmp_path / "config.json").write_text(json.dumps({"stt": {"model": ""}, "llm": {"temperature": 0.3}}))
    async with running_server(tmp_path) as second:
        health = await _health(second.url)
        assert health["config"]["status"] == "last-good" and "stt.model" in health["config"]["problem"]
        assert health["status"] == "degraded"
        assert "starting on the last configuration that did" in second.log
        async with aiohttp.ClientSession(base_url=second.url) as http, http.get("/config") as response:
            config = (await response.json())["config"]
        assert config["stt"]["model"] == "tiny.en" and config["llm"]["temperature"] == 0.25


async def test_without_a_good_start_before_a_bad_saved_configuration_still_stops(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"stt": {"model": ""}}))
    returncode, log = await run_until_exit(tmp_path)
    assert returncode == 2 and "stt.model" in log
