"""Every way an LLM server can answer badly takes the spoken fallback path, is stored, and
/health reports the last real outcome (issue 13, item 6).

The faulty servers are real HTTP servers on 127.0.0.1 (aiohttp) speaking the OpenAI and Ollama
routes with a broken body; the backends use their official clients against them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from aria_server.conversation import Agent, create_agent
from tests.conversation.conftest import agent_settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MODELS_OPENAI = {"object": "list", "data": [{"id": "faulty", "object": "model", "created": 0, "owned_by": "t"}]}
MODELS_OLLAMA = {"models": [{"name": "faulty", "model": "faulty", "size": 1, "digest": "x", "details": {}}]}


async def _sse(request: web.Request, body: bytes) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(body)
    await response.write_eof()
    return response


def _openai_garbage_stream(request: web.Request) -> Awaitable[web.StreamResponse]:
    return _sse(request, b"data: {this is not json\n\n")


def _openai_wrong_schema(request: web.Request) -> Awaitable[web.StreamResponse]:
    return _sse(request, b'data: {"choices": 7}\n\ndata: [DONE]\n\n')


async def _openai_garbage_200(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>hello</html>", content_type="text/html")


async def _openai_500(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": {"message": "boom"}}, status=500)


async def _ollama_garbage(request: web.Request) -> web.StreamResponse:
    return web.Response(text="{not json}\n", content_type="application/x-ndjson")


async def _ollama_cut(request: web.Request) -> web.StreamResponse:
    # A part of an answer, then the body ends without Ollama's final done part.
    return web.Response(
        text='{"model": "faulty", "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", '
        '"content": "The moon is"}, "done": false}\n',
        content_type="application/x-ndjson",
    )


@pytest.fixture
async def faulty() -> AsyncIterator[Callable[[str, Handler], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(backend: str, chat: Handler) -> str:
        app = web.Application()
        if backend == "openai":
            app.router.add_get("/v1/models", lambda _: _json(MODELS_OPENAI))
            app.router.add_post("/v1/chat/completions", chat)
        else:
            app.router.add_get("/api/tags", lambda _: _json(MODELS_OLLAMA))
            app.router.add_post("/api/generate", lambda _: _json({"model": "faulty", "response": "", "done": True}))
            app.router.add_post("/api/chat", chat)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}" + ("/v1" if backend == "openai" else "")

    yield start
    for runner in runners:
        await runner.cleanup()


async def _json(body: object) -> web.Response:
    return web.json_response(body)


async def _agent(tmp_path: Path, backend: str, url: str) -> Agent:
    agent = create_agent(agent_settings(tmp_path, backend=backend, url=url, model="faulty", first_token_timeout_s=5.0))
    await agent.start()
    return agent


@pytest.mark.parametrize(
    ("backend", "chat", "apology"),
    [
        ("openai", _openai_garbage_stream, "can't reach"),
        ("openai", _openai_wrong_schema, "can't reach"),
        ("openai", _openai_garbage_200, "can't reach"),
        ("openai", _openai_500, "can't reach"),
        ("ollama", _ollama_garbage, "can't reach"),
        ("ollama", _ollama_cut, "train of thought"),
    ],
    ids=["openai-garbage-stream", "openai-wrong-schema", "openai-200-garbage", "openai-500", "ollama-garbage",
         "ollama-cut-off"],
)
async def test_a_bad_answer_is_apologised_for_stored_and_reported(
    tmp_path: Path, faulty: Callable[[str, Handler], Awaitable[str]], backend: str, chat: Handler, apology: str
) -> None:
    agent = await _agent(tmp_path, backend, await faulty(backend, chat))
    try:
        assert agent.chain is not None
        agent.chain.cool_down_s = (0.05, 0.05)  # so the probe runs during the test
        conversation = await agent.conversation_for("faults")
        reply = "".join([delta async for delta in agent.reply(conversation, "tell me about the moon")])
        assert apology in reply
        turns = await agent.store.recent_turns(conversation)
        assert [turn.source for turn in turns] == ["apology"] and turns[0].reply_text == reply.strip()
        # The probe reaches the server (its model list is fine), cool-downs pass: the last real
        # outcome was still a failure, so /health must not read "ok".
        for _ in range(20):
            await asyncio.sleep(0.05)
            assert agent.health()["status"] == "down"
        assert agent.health()["last_error"]
    finally:
        await agent.aclose()


async def test_a_cut_off_answer_and_its_apology_do_not_run_together(
    tmp_path: Path, faulty: Callable[[str, Handler], Awaitable[str]]
) -> None:
    agent = await _agent(tmp_path, "ollama", await faulty("ollama", _ollama_cut))
    try:
        conversation = await agent.conversation_for("faults")
        reply = "".join([delta async for delta in agent.reply(conversation, "tell me about the moon")])
        assert reply == "The moon is … Sorry, I lost my train of thought."
    finally:
        await agent.aclose()


async def test_over_wyoming_a_garbage_stream_is_an_apology_not_the_clients_fault(
    tmp_path: Path, faulty: Callable[[str, Handler], Awaitable[str]]
) -> None:
    # Before: "bad-event: malformed transcript event" (blaming the client), nothing stored.
    from wyoming.asr import Transcript
    from wyoming.client import AsyncTcpClient

    from aria_server.app import create_wyoming_server
    from aria_server.config import validate_tree
    from aria_server.services import Services

    agent = await _agent(tmp_path, "openai", await faulty("openai", _openai_garbage_stream))
    settings = validate_tree({"data_dir": str(tmp_path), "zeroconf": False, "wyoming": {"port": 0}})
    server = create_wyoming_server(
        settings, Services(stt=None, tts=None, agent=agent)
    )
    await server.start()
    try:
        async with AsyncTcpClient("127.0.0.1", server.port) as client:
            await client.write_event(Transcript(text="tell me about the moon").event())
            events = []
            while not events or events[-1].type not in ("handled", "error"):
                event = await asyncio.wait_for(client.read_event(), 60)
                assert event is not None
                events.append(event)
        assert events[0].type == "handled-start" and events[-1].type == "handled", [e.type for e in events]
        conversation_id = events[-1].data["context"]["conversation_id"]
        [turn] = await agent.store.recent_turns(conversation_id)
        assert turn.source == "apology" and "can't reach" in turn.reply_text
    finally:
        await server.stop()
        await agent.aclose()
