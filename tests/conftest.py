"""Shared fixtures: real bundled models loaded once, and a real Wyoming server on 127.0.0.1:0."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aria_bench.numbers import spell_numbers
from aria_server.app import create_wyoming_server
from aria_server.config import validate_tree
from aria_server.llm.gguf import bundled_gguf
from aria_server.services import Services, close_services, load_services
from aria_server.settings import ServerSettings
from aria_server.wyoming.server import WyomingServer
from tests.llm.servers import TEST_MODEL, RunningServer, llama_cpp_server, ollama_proxy
from tests.peers import (  # noqa: F401  (fixtures: the real Wyoming peers and Aria in front of them)
    dead_url,
    fallback_services,
    fallback_settings,
    piper_peer,
    remote_services,
    remote_settings,
    remote_uri,
    whisper_peer,
)

AUDIO = Path(__file__).parent / "fixtures" / "audio"


def read_wav(name: str) -> tuple[bytes, int, int, int]:
    """(pcm, rate, width, channels) of a fixture WAV."""
    with wave.open(str(AUDIO / f"{name}.wav"), "rb") as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate(), wav.getsampwidth(), wav.getnchannels()


def normalise(text: str) -> str:
    """Lower case, numbers spelled out, letters and spaces only: transcripts are compared on words
    (Whisper writes "5 minutes" or "five minutes" depending on the audio before it)."""
    return " ".join("".join(c if c.isalnum() else " " for c in spell_numbers(text).lower()).split())


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("aria-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> ServerSettings:
    """Defaults on the bundled models, no LLM, no zeroconf, any free port."""
    return validate_tree(
        {"data_dir": str(data_dir), "zeroconf": False, "llm": {"backend": "none"}, "wyoming": {"port": 0}}
    )


@pytest.fixture(scope="session")
async def services(settings: ServerSettings) -> AsyncIterator[Services]:
    loaded = await load_services(settings)
    yield loaded
    close_services(loaded)


@pytest.fixture(scope="session")
async def wyoming_server(settings: ServerSettings, services: Services) -> AsyncIterator[WyomingServer]:
    server = create_wyoming_server(settings, services)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def wyoming_uri(wyoming_server: WyomingServer) -> str:
    return f"tcp://127.0.0.1:{wyoming_server.port}"


# -- real language-model servers, started once per session for every test that needs one --


@pytest.fixture(scope="session")
def llm_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the assembled bundled model (assembled once per session)."""
    return tmp_path_factory.getbasetemp() / "llm-data"


@pytest.fixture(scope="session")
def gguf(llm_data_dir: Path) -> Path:
    """The tiny bundled test model (SmolLM2-135M-Instruct), assembled from its package and checked.

    Tests run on it rather than on the default Qwen2.5-Coder-0.5B: CI has two cores, and what
    these tests check (streaming, cancelling, fallbacks, servers) does not need a clever model."""
    return bundled_gguf(llm_data_dir, TEST_MODEL)


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


class AudioClock:
    """A clock that moves with the audio fed (``advance`` by each chunk's duration): a session
    sees a live microphone, however fast the test feeds it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
