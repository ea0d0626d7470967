"""GET /models lists what the running language-model backend offers, against real servers:
llama.cpp's OpenAI-compatible server, the Ollama API in front of it, and the embedded GGUF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from ..llm.servers import OLLAMA_MODEL, RunningServer
from .server_process import running_server


async def models_of(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(url + "/models") as response:
        assert response.status == 200
        llm: dict[str, Any] = (await response.json())["llm"]
        return llm


async def test_an_openai_compatible_servers_models_are_listed_and_one_can_be_chosen(
    llama_server: RunningServer, gguf: Path, tmp_path: Path
) -> None:
    server = llama_server
    async with running_server(tmp_path, "--llm-backend", "openai", "--llm-url", f"{server.url}/v1") as aria:
        llm = await models_of(aria.url)
        assert llm["backend"] == "openai" and llm["error"] is None
        assert [m["name"] for m in llm["models"]] == [str(gguf)]
        assert llm["active"] == str(gguf), "without --llm-model the server's first model is used"
        async with aiohttp.ClientSession() as http:
            async with http.post(aria.url + "/config", json={"llm": {"model": str(gguf)}}) as response:
                result = await response.json()
        assert result["changed"] == ["llm.model"] and "llm.model" in result["restart_required"]


async def test_the_ollama_servers_models_are_listed(
    ollama_server: RunningServer, tmp_path: Path
) -> None:
    # The context must fit llama.cpp server's --n_ctx 2048: asked for more, its warm-up never answers.
    args = ("--llm-backend", "ollama", "--llm-url", ollama_server.url, "--llm-model", OLLAMA_MODEL, "--llm-context-size", "2048")
    async with running_server(tmp_path, *args) as aria:
        llm = await models_of(aria.url)
    assert llm["backend"] == "ollama" and llm["active"] == OLLAMA_MODEL
    assert OLLAMA_MODEL in [m["name"] for m in llm["models"]]


async def test_the_embedded_backend_lists_its_gguf_files(tmp_path: Path) -> None:
    # The low-memory bundled model, named: this checks the listing, and the 1.5B default would only add minutes.
    async with running_server(tmp_path, "--llm-backend", "embedded", "--llm-model", "qwen2.5-coder-0.5b-instruct") as aria:
        llm = await models_of(aria.url)
    assembled = tmp_path / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"  # the bundled model named
    assert llm["backend"] == "embedded" and llm["running"] == str(assembled)
    assert llm["active"] == "qwen2.5-coder-0.5b-instruct", "the setting as given: the bundled model's name"
    [entry] = llm["models"]
    assert entry["name"] == str(assembled) and entry["size"] > 100_000_000 and "(running)" in entry["description"]
