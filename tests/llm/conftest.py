"""The embedded backend as the tests build it (the GGUF and the LLM servers are session
fixtures of tests/conftest.py, shared with the HTTP and benchmark tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_server.llm.llama_cpp import LlamaCppBackend
from tests.llm.servers import TEST_MODEL


def embedded_backend(data_dir: Path, *, context_size: int = 2048) -> LlamaCppBackend:
    """The embedded backend on the tiny bundled test model, as the factory would make it."""
    return LlamaCppBackend(
        None, data_dir, bundled=TEST_MODEL, prompt_style="auto", system_prompt="You are Aria, a helpful voice assistant.",
        context_size=context_size, max_tokens=48, temperature=0.0, threads=2,
    )


@pytest.fixture(scope="session")
async def embedded(llm_data_dir: Path, gguf: Path) -> AsyncIterator[LlamaCppBackend]:
    """The embedded backend, started (worker process running, model loaded and warm)."""
    backend = embedded_backend(llm_data_dir)
    await backend.start()
    yield backend
    await backend.aclose()
