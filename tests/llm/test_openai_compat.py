"""The openai backend against a real llama.cpp server (``python -m llama_cpp.server``)."""

from __future__ import annotations

import socket

import pytest

from aria_server.errors import LlmError, LlmUnavailable
from aria_server.llm.base import ChatMessage
from aria_server.llm.openai_compat import OpenAICompatBackend

from .servers import RunningServer

MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "You are Aria, a helpful voice assistant."},
    {"role": "user", "content": "What is the capital of France?"},
]


def backend(url: str, model: str | None = None) -> OpenAICompatBackend:
    return OpenAICompatBackend(
        url, model, api_key=None, context_size=2048, max_tokens=16, temperature=0.0, connect_timeout_s=5.0
    )


async def test_streams_text_from_a_llama_cpp_server(llama_server: RunningServer) -> None:
    llm = backend(f"{llama_server.url}/v1")
    try:
        await llm.start()
        assert llm.loaded
        assert llm.model is not None and llm.model.endswith(".gguf")  # the first model the server lists
        deltas = [delta async for delta in llm.stream(MESSAGES)]
    finally:
        await llm.aclose()
    assert len(deltas) > 1, "the answer should arrive in several streamed pieces"
    assert "".join(deltas).strip()


async def test_closing_the_stream_early_leaves_the_server_usable(llama_server: RunningServer) -> None:
    llm = backend(f"{llama_server.url}/v1")
    try:
        stream = llm.stream(MESSAGES)
        assert await anext(stream)
        await stream.aclose()  # barge-in: the HTTP response is closed mid-answer
        assert [delta async for delta in llm.stream(MESSAGES)]
    finally:
        await llm.aclose()


async def test_a_closed_port_is_unavailable_not_a_crash() -> None:
    with socket.socket() as held:  # bound, not listening: connections are refused
        held.bind(("127.0.0.1", 0))
        llm = backend(f"http://127.0.0.1:{held.getsockname()[1]}/v1", "any")
        try:
            with pytest.raises(LlmUnavailable) as caught:
                await llm.start()
            assert caught.value.code == "llm-unavailable"
            with pytest.raises(LlmUnavailable):
                [delta async for delta in llm.stream(MESSAGES)]
        finally:
            await llm.aclose()


async def test_an_error_answer_is_an_llm_error(llama_server: RunningServer) -> None:
    llm = backend(f"{llama_server.url}/v1", "any")
    # A message the server's request validation refuses (it answers 500 with an error body).
    bad: list[ChatMessage] = [{"role": "tool", "content": "hello"}]  # type: ignore[typeddict-item]
    try:
        with pytest.raises(LlmError) as caught:
            [delta async for delta in llm.stream(bad)]
        assert not isinstance(caught.value, LlmUnavailable)
    finally:
        await llm.aclose()
