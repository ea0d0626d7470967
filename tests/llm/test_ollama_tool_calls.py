"""The Ollama backend's tool calls, against a stand-in for Ollama's ``/api/chat`` on loopback.

Why a stand-in: no Ollama daemon can be installed here, and the Ollama-API proxy the other tests
use (ollama-proxy-plus) forwards ``tools`` but streams back only text. The stand-in answers in
Ollama's documented wire shape — NDJSON parts, a call whole in one part with its arguments as an
object, a final ``done`` part — and records what Aria sent, so the test checks both directions
through the official ``ollama`` client Aria uses: the call parsed out of the stream, and the
result sent back as Ollama takes it (``role: tool`` naming ``tool_name``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from aria_server.llm.base import ChatMessage, assistant_tool_calls, tool_message
from aria_server.llm.ollama import OllamaBackend

from .test_tool_calls_servers import ASK, TOOLS, collect

MODEL = "qwen2.5:0.5b"


class OllamaStandIn:
    """``/api/tags``, ``/api/generate`` (the warm-up) and ``/api/chat``: a call when tools are
    offered, words after a tool result or without tools."""

    def __init__(self) -> None:
        self.chats: list[dict[str, Any]] = []

    async def tags(self, request: web.Request) -> web.Response:
        return web.json_response({"models": [{"name": MODEL, "model": MODEL}]})

    async def generate(self, request: web.Request) -> web.Response:
        return web.json_response({"model": MODEL, "response": "", "done": True})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.chats.append(body)
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        if body["messages"][-1]["role"] == "tool" or not body.get("tools"):
            parts = [{"role": "assistant", "content": "The kitchen light is on."}]
        else:
            parts = [{"role": "assistant", "content": "", "tool_calls": [
                {"function": {"name": "HassTurnOn", "arguments": {"name": "kitchen light"}}}]}]
        for message in parts:
            await response.write(json.dumps({"model": MODEL, "message": message, "done": False}).encode() + b"\n")
        final = {"model": MODEL, "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}
        await response.write(json.dumps(final).encode() + b"\n")
        await response.write_eof()
        return response


@pytest.fixture
async def ollama() -> AsyncIterator[tuple[OllamaBackend, OllamaStandIn]]:
    stand_in = OllamaStandIn()
    app = web.Application()
    app.router.add_get("/api/tags", stand_in.tags)
    app.router.add_post("/api/generate", stand_in.generate)
    app.router.add_post("/api/chat", stand_in.chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    llm = OllamaBackend(f"http://127.0.0.1:{port}", MODEL, context_size=2048, max_tokens=48, temperature=0.0,
                        keep_alive="5m", connect_timeout_s=5.0)
    try:
        yield llm, stand_in
    finally:
        await llm.aclose()
        await runner.cleanup()


async def test_a_call_is_parsed_and_its_result_goes_back_as_ollama_takes_it(
    ollama: tuple[OllamaBackend, OllamaStandIn],
) -> None:
    llm, stand_in = ollama
    await llm.start()
    text, calls = await collect(llm.stream(ASK, TOOLS))
    assert text == "" and [(c.name, c.arguments) for c in calls] == [("HassTurnOn", {"name": "kitchen light"})]
    assert stand_in.chats[0]["tools"] == [tool.as_openai() for tool in TOOLS]

    follow: list[ChatMessage] = [*ASK, assistant_tool_calls(calls), tool_message(calls[0], '{"success": true}')]
    again, more = await collect(llm.stream(follow, TOOLS))
    assert again == "The kitchen light is on." and more == []
    sent = stand_in.chats[1]["messages"][-1]
    assert sent["role"] == "tool" and sent["tool_name"] == "HassTurnOn" and "tool_call_id" not in sent
    assert stand_in.chats[1]["messages"][-2]["tool_calls"][0]["function"]["arguments"] == {"name": "kitchen light"}


async def test_without_tools_none_are_sent(ollama: tuple[OllamaBackend, OllamaStandIn]) -> None:
    llm, stand_in = ollama
    text, calls = await collect(llm.stream(ASK, ()))
    assert calls == [] and not stand_in.chats[0].get("tools")  # (the client may send an empty field)
    assert text == "The kitchen light is on."
