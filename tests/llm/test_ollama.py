"""The ollama backend with the official ``ollama`` client against a real Ollama HTTP API.

No Ollama binary can be installed here, so ollama-proxy-plus serves the Ollama API in front of
the llama.cpp server: it stands in for a real Ollama daemon (same endpoints, same streaming
NDJSON, same error shapes); the model is named ``llamacpp/smollm2`` through it.
"""

from __future__ import annotations

import socket

import pytest

from aria_server.errors import LlmError, LlmUnavailable
from aria_server.llm.base import ChatMessage
from aria_server.llm.ollama import OllamaBackend

from .servers import OLLAMA_MODEL, RunningServer

MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "You are Aria, a helpful voice assistant."},
    {"role": "user", "content": "Say hello."},
]


def backend(url: str, model: str | None) -> OllamaBackend:
    return OllamaBackend(
        url, model, context_size=2048, max_tokens=16, temperature=0.0, keep_alive="30m", connect_timeout_s=5.0
    )


async def test_lists_models_warms_and_streams(ollama_server: RunningServer) -> None:
    llm = backend(ollama_server.url, OLLAMA_MODEL)
    try:
        assert OLLAMA_MODEL in await llm.list_models()
        await llm.start()  # list + an empty generate with keep_alive and num_ctx: loads the model
        assert llm.loaded
        deltas = [delta async for delta in llm.stream(MESSAGES)]
    finally:
        await llm.aclose()
    assert deltas and "".join(deltas).strip()


async def test_an_unknown_model_is_an_error_answer(ollama_server: RunningServer) -> None:
    llm = backend(ollama_server.url, "nowhere/no-such-model")
    try:
        with pytest.raises(LlmError) as caught:
            [delta async for delta in llm.stream(MESSAGES)]
        assert not isinstance(caught.value, LlmUnavailable)
    finally:
        await llm.aclose()


async def test_no_server_is_unavailable() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        llm = backend(f"http://127.0.0.1:{held.getsockname()[1]}", "qwen2.5")
        try:
            with pytest.raises(LlmUnavailable):
                await llm.start()
            with pytest.raises(LlmUnavailable):
                [delta async for delta in llm.stream(MESSAGES)]
        finally:
            await llm.aclose()
