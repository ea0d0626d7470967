"""The satellite with Home Assistant's client at 2025.4.4's release (aioesphomeapi 29.9.0, a
cached side venv from ``scripts/esphome-client-setup.sh``) and at the newest (this venv's).

Each runs ``client_script.py`` against a fresh satellite; a missing side venv skips with how
to make it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import sys
from pathlib import Path

import pytest

from tests.satellites.harness import TIMEOUT

from .conftest import AUDIO, MediaServer, key_file, start_satellite

pytestmark = pytest.mark.timeout(240)

SCRIPT = Path(__file__).with_name("client_script.py")
CACHE = Path(os.environ.get("ARIA_ESPHOME_CLIENT_CACHE", Path.home() / ".cache" / "aria"))
CLIENTS = {
    "29.9.0": CACHE / "esphome-client-29.9.0" / "venv" / "bin" / "python",
    "newest": Path(sys.executable),
}


def client_python(version: str) -> Path:
    python = CLIENTS[version]
    if not python.exists():
        pytest.skip(f"no aioesphomeapi {version} venv at {python}: run scripts/esphome-client-setup.sh")
    return python


async def run_script(python: Path, *args: str) -> dict[str, object]:
    process = await asyncio.create_subprocess_exec(
        str(python), str(SCRIPT), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(TIMEOUT * 3):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("version", list(CLIENTS))
async def test_a_whole_session(version: str, tmp_path: Path, media: MediaServer) -> None:
    python = client_python(version)
    sat = await start_satellite(tmp_path, "versions", "--wake-word", "none", mic=AUDIO / "turn_on_the_lamp.wav")
    try:
        seen = await run_script(python, "plain", str(sat.port), f"http://127.0.0.1:{media.port}")
        await sat.process.wait_event(lambda e: e["event"] == "timer-ring" and e["timer"] == "old-client-timer")
    finally:
        await sat.stop()
    assert seen["name"] == "versions" and seen["flags"] == 63
    assert seen["formats"] == [["wav", 22_050, 1], ["wav", 22_050, 1]]
    assert seen["turn_audio"] and seen["turn_finished"] is True and seen["announce"] is True
    assert seen["volume"] == 0.5 and seen["max_wake_words"] == 2


@pytest.mark.parametrize("version", list(CLIENTS))
async def test_encryption(version: str, tmp_path: Path) -> None:
    python = client_python(version)
    key = secrets.token_bytes(32)
    sat = await start_satellite(tmp_path, "vault", "--wake-word", "none", "--esphome-key-file", str(key_file(tmp_path, key)))
    try:
        seen = await run_script(python, "noise", str(sat.port), base64.b64encode(key).decode())
    finally:
        await sat.stop()
    assert seen == {"encrypted_name": "vault", "wrong_key": "InvalidEncryptionKeyAPIError",
                    "plaintext": "RequiresEncryptionAPIError"}
