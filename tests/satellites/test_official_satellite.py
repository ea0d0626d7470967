"""The official wyoming-satellite 1.0.0 (streaming all the time, no wake word) driven by Aria.

It pins ``wyoming==1.4.1``, so it gets its own virtual environment, created once under the
user's cache directory. The server detects the wake word on its stream (as Home Assistant
does), answers, and the reply reaches the satellite's ``--snd-command``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aria_server.services import Services
from aria_wire.audio import PcmFormat

from .conftest import StartManager
from .harness import ClipMaker, Feeder, Process, normalise, says_a_time, spawn, transcribe_pcm, wait_until

VERSION = "1.0.0"
_OFFLINE = re.compile(r"(Could not find a version|No matching distribution|NewConnectionError|Failed to establish|"
                      r"Temporary failure in name resolution|Network is unreachable|ConnectionError)")


@pytest.fixture(scope="session")
def official_python() -> Path:
    """The interpreter of a venv holding wyoming-satellite 1.0.0 (created once, then reused)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aria-tests" / f"wyoming-satellite-{VERSION}"
    python = cache / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import wyoming_satellite"], check=False).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(cache)], check=True)
    result = subprocess.run(
        [str(cache / "bin" / "pip"), "install", "--quiet", f"wyoming-satellite=={VERSION}"],
        capture_output=True, text=True, timeout=900, check=False,
    )
    if result.returncode != 0:
        if _OFFLINE.search(result.stderr + result.stdout):
            pytest.skip(f"pip cannot reach the package registry for wyoming-satellite {VERSION}")
        raise RuntimeError(f"installing wyoming-satellite {VERSION} failed:\n{result.stderr[-2000:]}")
    return python


def unused_port() -> int:
    """A free port for a program that cannot report the one it bound (it binds a fixed one).

    The port could be taken between this check and the bind; the manager simply keeps
    reconnecting, and the assertion on the satellite process would name the failure.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_official_satellite_completes_a_turn(
    tmp_path: Path, clips: ClipMaker, start_manager: StartManager, services: Services, official_python: Path
) -> None:
    feeder = Feeder(tmp_path, "official")
    played = tmp_path / "official.raw"
    port = unused_port()
    satellite = await spawn(
        [str(official_python), "-m", "wyoming_satellite", "--uri", f"tcp://127.0.0.1:{port}", "--name", "official",
         "--no-zeroconf", "--mic-command", feeder.command, "--snd-command", f"sh -c 'cat >> {played}'"],
        "wyoming-satellite",
        Process,
    )
    try:
        await satellite.wait_line(r"Ready")
        manager = await start_manager([f"tcp://127.0.0.1:{port}"])
        await wait_until(lambda: manager.snapshot()[0]["wake"] == "server", what="the satellite streaming")
        assert manager.snapshot()[0]["name"] == "official"

        feeder.say(clips.clip("wake_time", 0.3, "Okay, Nabu.", 0.3, "What time is it?", 0.3))
        turn = await wait_until(lambda: manager.snapshot()[0]["last_turn"], what="a finished turn")
        assert turn["outcome"] == "done" and "what time" in normalise(turn["transcript"])
        await wait_until(lambda: played.exists() and played.stat().st_size > 22_050, what="reply audio")
        heard = normalise(await transcribe_pcm(services.stt, played.read_bytes(), PcmFormat(22_050, 2, 1)))
        assert says_a_time(heard), heard
    finally:
        await satellite.stop()
