"""The backend chain: a dead, silent or failing server costs one short failure, the next
backend answers, health says so, and the server is used again as soon as it is back."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence

import pytest

from aria_server.errors import LlmUnavailable
from aria_server.llm.base import ChatMessage, LanguageModel
from aria_server.llm.fallback import LlmChain
from aria_server.llm.llama_cpp import LlamaCppBackend
from aria_server.llm.openai_compat import OpenAICompatBackend

from .borrowed import Borrowed
from ..waiting import wait_until
from .servers import RunningServer

MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "You are Aria, a helpful voice assistant."},
    {"role": "user", "content": "What colour is the sky?"},
]


def openai_at(port: int) -> OpenAICompatBackend:
    return OpenAICompatBackend(
        f"http://127.0.0.1:{port}/v1", "gemma", api_key=None, context_size=2048, max_tokens=16, temperature=0.0,
        connect_timeout_s=2.0,
    )


async def messages(backend: LanguageModel) -> Sequence[ChatMessage]:
    return MESSAGES


async def answer(chain: LlmChain) -> tuple[list[str], str]:
    """(text deltas, name of the backend that answered)."""
    pairs = [pair async for pair in chain.stream(messages)]
    assert pairs
    return [text for _, text in pairs], pairs[-1][0].name


@pytest.fixture
def refused_port() -> socket.socket:
    """A port bound but not listening: connections to it are refused (held, so nobody takes it)."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    return held


async def test_a_dead_server_falls_back_to_the_embedded_model(
    embedded: LlamaCppBackend, refused_port: socket.socket
) -> None:
    primary = openai_at(refused_port.getsockname()[1])
    # A long cool-down, so the second turn surely falls inside it however slow the machine is.
    chain = LlmChain([primary, Borrowed(embedded)], first_token_timeout_s=5.0, cool_down_s=(600.0, 600.0))
    try:
        await chain.start()  # the dead server is noted at start-up, not fatal
        deltas, backend = await answer(chain)
        assert backend == "embedded" and "".join(deltas).strip()
        health = chain.health()
        assert health["backend"] == "openai" and health["status"] == "degraded"
        assert health["fallback_in_use"] is True and "cannot reach" in health["last_error"]
        failures = health["chain"][0]["failures"]
        # While cooling down, the dead server is not even tried: no new failure is counted.
        _, backend = await answer(chain)
        assert backend == "embedded" and chain.health()["chain"][0]["failures"] == failures
    finally:
        await chain.aclose()
        refused_port.close()


async def test_a_server_that_never_answers_times_out_to_the_fallback(embedded: LlamaCppBackend) -> None:
    connections: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)  # reads the request, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    chain = LlmChain([openai_at(port), Borrowed(embedded)], first_token_timeout_s=0.5)
    try:
        _, backend = await answer(chain)
        assert backend == "embedded"
        assert chain.health()["chain"][0]["last_error_code"] == "llm-timeout"
    finally:
        await chain.aclose()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_without_a_fallback_the_failure_is_typed(refused_port: socket.socket) -> None:
    chain = LlmChain([openai_at(refused_port.getsockname()[1])], first_token_timeout_s=2.0)
    try:
        with pytest.raises(LlmUnavailable):
            await answer(chain)
        with pytest.raises(LlmUnavailable):  # cooling down: refused at once, without a connection
            await answer(chain)
        assert chain.health()["status"] == "down"
    finally:
        await chain.aclose()
        refused_port.close()


async def test_recovers_by_itself_when_the_server_comes_back(
    llama_server: RunningServer, refused_port: socket.socket
) -> None:
    chain = LlmChain([openai_at(refused_port.getsockname()[1])], first_token_timeout_s=5.0)

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The server 'comes back': the held port now leads to the real llama.cpp server."""
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", llama_server.port)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer), return_exceptions=True)

    try:
        await chain.start()
        assert chain.health()["status"] == "down"
        server = await asyncio.start_server(forward, sock=refused_port)
        try:
            await wait_until(lambda: chain.health()["status"] == "ok", 30, "the probe to find the server back")
            deltas, backend = await answer(chain)
            assert backend == "openai" and "".join(deltas).strip()
            assert chain.health()["fallback_in_use"] is False
        finally:
            server.close()
    finally:
        await chain.aclose()
