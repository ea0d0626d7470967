"""GET/POST /config against the real server: merge, strict validation, nothing stored on error."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from .server_process import AriaProcess


def persisted(aria: AriaProcess) -> dict[str, Any]:
    path = aria.data_dir / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}


async def post(http: aiohttp.ClientSession, body: Any) -> tuple[int, dict[str, Any]]:
    async with http.post("/config", json=body) as response:
        return response.status, await response.json()


async def test_get_config_returns_the_settings_tree(http: aiohttp.ClientSession) -> None:
    async with http.get("/config") as response:
        assert response.status == 200
        body = await response.json()
    config = body["config"]
    for section, key in [("llm", "system_prompt"), ("llm", "temperature"), ("llm", "backend"), ("llm", "model"),
                         ("stt", "model"), ("tts", "voice")]:
        assert key in config[section]
    assert config["stt"]["model"] == "tiny.en"
    assert isinstance(body["restart_required"], list)


async def test_secrets_are_masked_and_a_masked_value_sent_back_changes_nothing(
    http: aiohttp.ClientSession, aria: AriaProcess
) -> None:
    async with http.get("/config") as response:
        config = (await response.json())["config"]
    assert config["llm"]["api_key"] == "********" and config["ha"]["token"] == "********"
    status, body = await post(http, {"llm": {"api_key": "********"}, "ha": {"token": "********"}})
    assert status == 200 and "llm.api_key" not in body["changed"] and "ha.token" not in body["changed"]
    for secret in ("sk-test-secret", "ha-test-secret"):
        assert secret not in json.dumps(body) and secret not in aria.log


async def test_a_partial_change_is_merged_persisted_and_reported(http: aiohttp.ClientSession, aria: AriaProcess) -> None:
    status, body = await post(http, {"llm": {"system_prompt": "You are terse.", "temperature": 0.2}})
    assert status == 200
    assert body["changed"] == ["llm.system_prompt", "llm.temperature"]
    assert set(body["changed"]) == set(body["applied"]) | (set(body["restart_required"]) & set(body["changed"]))
    assert body["config"]["llm"]["system_prompt"] == "You are terse."
    assert body["config"]["stt"]["model"] == "tiny.en", "keys not sent keep their values"
    assert persisted(aria)["llm"] == {"system_prompt": "You are terse.", "temperature": 0.2}
    async with http.get("/config") as response:
        assert (await response.json())["config"]["llm"]["temperature"] == 0.2


async def test_an_unchanged_value_is_not_persisted(http: aiohttp.ClientSession, aria: AriaProcess) -> None:
    status, body = await post(http, {"tts": {"voice": "en_US-joe-medium"}})
    assert status == 200 and body["changed"] == []
    assert "tts" not in persisted(aria)


async def test_bad_values_are_each_named_and_nothing_is_stored(http: aiohttp.ClientSession, aria: AriaProcess) -> None:
    before = persisted(aria)
    status, body = await post(
        http, {"llm": {"temperature": 5, "backend": "chatgpt", "bogus": 1}, "stt": {"beam_size": "five"}, "vad": {"threshold": 0.3}}
    )
    assert status == 422
    error = body["error"]
    assert error["code"] == "invalid-config"
    assert set(error["fields"]) == {"llm.temperature", "llm.backend", "llm.bogus", "stt.beam_size"}
    assert error["fields"]["llm.bogus"] == "unknown setting"
    assert "llm.temperature" in error["message"]
    assert persisted(aria) == before, "a rejected change stores nothing, not even its good part"
    async with http.get("/config") as response:
        assert (await response.json())["config"]["vad"]["threshold"] == 0.5


async def test_a_number_sent_as_a_string_is_a_wrong_type(http: aiohttp.ClientSession) -> None:
    status, body = await post(http, {"llm": {"temperature": "0.3"}})
    assert status == 422 and body["error"]["fields"] == {"llm.temperature": "Input should be a valid number"}


async def test_a_voice_or_model_that_is_not_installed_is_refused(http: aiohttp.ClientSession, aria: AriaProcess) -> None:
    before = persisted(aria)
    status, body = await post(http, {"tts": {"voice": "xx_XX-nobody-low"}, "stt": {"model": "no-such-whisper"}})
    assert status == 422
    assert set(body["error"]["fields"]) == {"tts.voice", "stt.model"}
    assert persisted(aria) == before


async def test_the_data_directory_cannot_be_changed_from_the_api(http: aiohttp.ClientSession) -> None:
    status, body = await post(http, {"data_dir": "/tmp/elsewhere"})
    assert status == 400 and body["error"]["code"] == "read-only-setting"
    assert set(body["error"]["fields"]) == {"data_dir"}


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad-json"),
        (b"[1, 2]", "application/json", 400, "bad-json"),
        (b'"text"', "application/json", 400, "bad-json"),
        (b"llm.temperature=0.3", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        (b'{"llm": {"system_prompt": "' + b"x" * 70_000 + b'"}}', "application/json", 413, "body-too-large"),
    ],
    ids=["invalid-json", "array", "string", "form-post", "oversize"],
)
async def test_malformed_bodies_get_a_4xx_with_a_clear_message(
    http: aiohttp.ClientSession, aria: AriaProcess, data: bytes, content_type: str, status: int, code: str
) -> None:
    before = persisted(aria)
    async with http.post("/config", data=data, headers={"Content-Type": content_type}) as response:
        assert response.status == status
        body = await response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert persisted(aria) == before


async def test_the_log_level_and_allowed_origins_change_without_a_restart(http: aiohttp.ClientSession) -> None:
    origin = "https://panel.example"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect("/ws", origin=origin)
    assert refused.value.status == 403
    status, body = await post(http, {"log_level": "WARNING", "http": {"allowed_origins": [origin]}})
    try:
        assert status == 200
        assert body["applied"] == ["http.allowed_origins", "log_level"]
        assert not {"http.allowed_origins", "log_level"} & set(body["restart_required"])
        async with http.ws_connect("/ws", origin=origin) as ws:
            assert (await ws.receive_json(timeout=30))["type"] == "status"
    finally:
        await post(http, {"log_level": "INFO", "http": {"allowed_origins": []}})


async def test_settings_that_need_a_restart_stay_listed_until_set_back(http: aiohttp.ClientSession) -> None:
    status, body = await post(http, {"vad": {"end_of_speech_ms": 500}})
    assert status == 200 and body["applied"] == [] and "vad.end_of_speech_ms" in body["restart_required"]
    async with http.get("/config") as response:
        assert "vad.end_of_speech_ms" in (await response.json())["restart_required"]
    status, body = await post(http, {"vad": {"end_of_speech_ms": 600}})
    assert "vad.end_of_speech_ms" not in body["restart_required"], "back to the running value"
