"""Tool calls through the real servers: llama.cpp's OpenAI-compatible server with its
``chatml-function-calling`` format (the ``tools`` API, streamed ``tool_calls``), and a server that
cannot call tools (the Ollama API of ollama-proxy-plus, which forwards ``tools`` upstream but streams
only text back; and llama.cpp's plain ``chatml``), where the model just answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.llm.base import (
    ChatMessage,
    StreamItem,
    assistant_tool_calls,
    tool_message,
)
from aria_server.llm.ollama import OllamaBackend
from aria_server.llm.openai_compat import OpenAICompatBackend
from aria_server.tools.base import Tool, ToolCall

from .servers import OLLAMA_MODEL, RunningServer, llama_cpp_server

TOOLS = [Tool("HassTurnOn", "Turns on a device", {
    "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
})]
ASK: list[ChatMessage] = [
    {"role": "system", "content": "You control the home with functions. Always call a function."},
    {"role": "user", "content": "Turn on the kitchen light."},
]


@pytest.fixture(scope="module")
async def function_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    async with llama_cpp_server(gguf, tmp_path_factory.getbasetemp() / "llama-fc.log", "chatml-function-calling") as server:
        yield server


def openai(url: str) -> OpenAICompatBackend:
    return OpenAICompatBackend(url, None, api_key=None, context_size=2048, max_tokens=48, temperature=0.0, connect_timeout_s=5.0)


async def collect(stream: AsyncIterator[StreamItem]) -> tuple[str, list[ToolCall]]:
    items = [item async for item in stream]
    return "".join(i for i in items if isinstance(i, str)), [i for i in items if isinstance(i, ToolCall)]


async def test_the_openai_backend_assembles_streamed_tool_calls_and_sends_results_back(function_server: RunningServer) -> None:
    llm = openai(f"{function_server.url}/v1")
    try:
        await llm.start()
        # llama.cpp's server streams no automatic tool choice: the backend asks it unstreamed,
        # and its grammar (chosen at temperature 0) lets the tiny model call only a listed function.
        _, calls = await collect(llm.stream(ASK, TOOLS))
        assert [call.name for call in calls] == ["HassTurnOn"] and isinstance(calls[0].arguments, dict) and calls[0].id
        # The result goes back as the API wants it (arguments as a JSON string), and the server takes it.
        follow = [*ASK, assistant_tool_calls(calls), tool_message(calls[0], '{"response_type": "action_done"}')]
        again, more = await collect(llm.stream(follow, TOOLS))
        assert again.strip() or more
    finally:
        await llm.aclose()


async def test_a_server_that_cannot_call_tools_just_answers(llama_server: RunningServer, ollama_server: RunningServer) -> None:
    plain = openai(f"{llama_server.url}/v1")
    ollama = OllamaBackend(ollama_server.url, OLLAMA_MODEL, context_size=2048, max_tokens=24, temperature=0.0,
                           keep_alive="5m", connect_timeout_s=5.0)
    try:
        for llm in (plain, ollama):
            text, calls = await collect(llm.stream(ASK, TOOLS))
            assert calls == [] and text.strip(), llm.name
    finally:
        await plain.aclose()
        await ollama.aclose()
