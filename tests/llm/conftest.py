"""Session fixtures: the bundled GGUF, llama.cpp's server on it, the Ollama API in front of it,
and the embedded backend. Each is started once and shared by every test that needs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.llm.gguf import bundled_gguf
from aria_server.llm.llama_cpp import LlamaCppBackend

from .servers import RunningServer, llama_cpp_server, ollama_proxy


@pytest.fixture(scope="session")
def llm_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the assembled bundled model (assembled once per session)."""
    return tmp_path_factory.getbasetemp() / "llm-data"


@pytest.fixture(scope="session")
def gguf(llm_data_dir: Path) -> Path:
    """The bundled Gemma 3 270M GGUF, assembled from its package."""
    return bundled_gguf(llm_data_dir)


@pytest.fixture(scope="session")
async def llama_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    """A real llama.cpp OpenAI-compatible server (``python -m llama_cpp.server``)."""
    async with llama_cpp_server(gguf, tmp_path_factory.getbasetemp() / "llama-server.log") as server:
        yield server


@pytest.fixture(scope="session")
async def ollama_server(llama_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    """The Ollama API served by ollama-proxy-plus in front of ``llama_server``."""
    workdir = tmp_path_factory.mktemp("ollama-proxy")
    async with ollama_proxy(llama_server.url, workdir, workdir / "proxy.log") as server:
        yield server


def embedded_backend(data_dir: Path, *, context_size: int = 2048) -> LlamaCppBackend:
    """The embedded backend on the bundled model, as the factory would make it."""
    return LlamaCppBackend(
        None, data_dir, prompt_style="auto", system_prompt="You are Aria, a helpful voice assistant.",
        context_size=context_size, max_tokens=48, temperature=0.0, threads=2,
    )


@pytest.fixture(scope="session")
async def embedded(llm_data_dir: Path, gguf: Path) -> AsyncIterator[LlamaCppBackend]:
    """The embedded backend, started (worker process running, model loaded and warm)."""
    backend = embedded_backend(llm_data_dir)
    await backend.start()
    yield backend
    await backend.aclose()
