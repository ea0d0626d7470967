"""Real language-model servers for the tests, started as child processes.

- ``python -m llama_cpp.server``: llama.cpp's OpenAI-compatible server on the bundled GGUF.
- ``ollama-proxy serve`` (ollama-proxy-plus) in front of it: the Ollama HTTP API, standing in
  for an Ollama daemon, which cannot be installed here.

Neither can bind port 0 and report it, so a free-looking port is chosen and the start is
retried on another when the process dies; readiness is polled with a deadline, and a server
only counts as ready when it is *ours* (it names our model), never something else on the port.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from aria_server.llm.gguf import SMOLLM2_135M

TEST_MODEL = SMOLLM2_135M.name
"""The bundled model the tests drive (``--llm-model`` accepts the name): tiny, so CI's two cores cope."""

START_TIMEOUT_S = 120.0
ATTEMPTS = 5


@dataclass(frozen=True)
class RunningServer:
    """A started server: its base URL and process."""

    url: str
    port: int
    process: asyncio.subprocess.Process


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            async with asyncio.timeout(15):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


@asynccontextmanager
async def _serve(
    command: Callable[[int], Sequence[str]],
    ready: Callable[[httpx.AsyncClient, str], Awaitable[bool]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path,
) -> AsyncIterator[RunningServer]:
    """Start ``command(port)`` on a random free-looking port, retrying on other ports if it dies."""
    for _ in range(ATTEMPTS):
        port = random.randint(20_000, 60_000)
        with log.open("ab") as log_file:
            process = await asyncio.create_subprocess_exec(
                *command(port), stdout=log_file, stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, **(env or {})}, cwd=cwd,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(timeout=2.0) as client, asyncio.timeout(START_TIMEOUT_S):
                while process.returncode is None:
                    try:
                        if await ready(client, url):
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
        except BaseException:
            await _stop(process)
            raise
        if process.returncode is None:
            try:
                yield RunningServer(url, port, process)
            finally:
                await _stop(process)
            return
    raise RuntimeError(f"could not start {command(0)[:3]} in {ATTEMPTS} attempts; see {log}")


@asynccontextmanager
async def llama_cpp_server(model: Path, log: Path, chat_format: str = "chatml") -> AsyncIterator[RunningServer]:
    """llama.cpp's OpenAI-compatible server on ``model`` (ready when /v1/models names it);
    ``chat_format`` ``chatml-function-calling`` for the OpenAI ``tools`` API."""

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", "2048", "--chat_format", chat_format, "--n_threads", "2",
        ]

    async def ready(client: httpx.AsyncClient, url: str) -> bool:
        response = await client.get(f"{url}/v1/models")
        return response.status_code == 200 and any(m["id"] == str(model) for m in response.json()["data"])

    async with _serve(command, ready, log=log) as server:
        yield server


OLLAMA_MODEL = "llamacpp/smollm2"
"""The model name through the proxy: ``<provider>/<name>``, as ollama-proxy-plus routes it."""


@asynccontextmanager
async def ollama_proxy(openai_url: str, workdir: Path, log: Path) -> AsyncIterator[RunningServer]:
    """The Ollama API (ollama-proxy-plus) in front of an OpenAI-compatible server."""
    env = {
        "PROVIDERS_LLAMACPP_BASE_URL": f"{openai_url}/v1",
        "PROVIDERS_LLAMACPP_API_KEY": "sk-local",
        "EXTRA_MODELS": OLLAMA_MODEL,
    }
    proxy = Path(sys.executable).with_name("ollama-proxy")

    def command(port: int) -> list[str]:
        return [str(proxy), "serve", "--host", "127.0.0.1", "--port", str(port)]

    async def ready(client: httpx.AsyncClient, url: str) -> bool:
        response = await client.get(f"{url}/api/tags")
        return response.status_code == 200 and any(m["name"] == OLLAMA_MODEL for m in response.json()["models"])

    # Its own directory: the proxy reads ./.env and ./ollama-proxy.yaml when they exist.
    async with _serve(command, ready, env=env, cwd=workdir, log=log) as server:
        yield server
