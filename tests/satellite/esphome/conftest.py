"""Fixtures of the ESPHome API tests: a satellite process with the API on 127.0.0.1, Home
Assistant's own client (aioesphomeapi's ``APIClient``), and a loopback HTTP server standing in
for Home Assistant's TTS/media proxy (it serves WAV files the tests make)."""

from __future__ import annotations

import asyncio
import base64
import os
import wave
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from aiohttp import web
from aioesphomeapi import APIClient

from tests.satellites.harness import TIMEOUT, SatelliteProcess

AUDIO = Path(__file__).resolve().parents[2] / "fixtures" / "audio"
SPEAKER_RATE = 22_050


def write_wav(path: Path, seconds: float, rate: int = SPEAKER_RATE, hz: float = 440.0, channels: int = 1) -> Path:
    """A tone (``hz`` 0: silence) as 16-bit PCM."""
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(samples, channels).tobytes())
    return path


@dataclass
class MediaServer:
    """Home Assistant's media URLs, on loopback: ``url(name)`` serves ``files[name]``."""

    port: int = 0
    files: dict[str, Path] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    fetched: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.requests.append(name)
        self.fetched.set()
        if name not in self.files:
            raise web.HTTPNotFound()
        return web.FileResponse(self.files[name])


@pytest.fixture(scope="module")
async def media(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MediaServer]:
    """Replies, a chime and media as WAV files over HTTP."""
    directory = tmp_path_factory.mktemp("media")
    server = MediaServer(files={
        "reply.wav": write_wav(directory / "reply.wav", 0.6),
        "chime.wav": write_wav(directory / "chime.wav", 0.2, hz=880.0),
        "stereo-44k.wav": write_wav(directory / "stereo-44k.wav", 0.4, rate=44_100, channels=2),
        "long.wav": write_wav(directory / "long.wav", 30.0, hz=220.0),
    })
    app = web.Application()
    app.router.add_get("/{name}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    try:
        yield server
    finally:
        await runner.cleanup()


@dataclass
class ApiSatellite:
    """A satellite process and its ESPHome port."""

    process: SatelliteProcess
    port: int
    played: Path

    async def stop(self) -> None:
        await self.process.stop()


async def start_satellite(directory: Path, name: str, *options: str, mic: Path | None = None) -> ApiSatellite:
    """``python -m aria_satellite`` with the ESPHome API on a free port (no Wyoming server uses it)."""
    played = directory / f"{name}-played.wav"
    if "--mic-command" not in options:
        silence = mic or write_wav(directory / f"{name}-silence.wav", 1.0, rate=16_000, hz=0.0)
        options = ("--mic-file", str(silence), *options)
    process = await SatelliteProcess.start(
        directory, name, "--esphome-port", "0", "--data-dir", str(directory / f"{name}-data"),
        "--snd-file", str(played), "--no-chimes", *options,
    )
    ready = await process.wait_event(lambda e: e["event"] == "esphome-ready")
    return ApiSatellite(process, int(ready["port"]), played)


@asynccontextmanager
async def api_client(port: int, key: bytes | None = None) -> AsyncIterator[APIClient]:
    """Home Assistant's client, connected and logged in as Home Assistant does."""
    client = APIClient(
        "127.0.0.1", port, None, client_info="aria-tests",
        noise_psk=base64.b64encode(key).decode() if key is not None else None,
    )
    async with asyncio.timeout(TIMEOUT):
        await client.connect(login=True)
    try:
        yield client
    finally:
        await client.disconnect()


def key_file(directory: Path, key: bytes) -> Path:
    """An owner-only key file."""
    path = directory / "esphome.key"
    path.write_text(base64.b64encode(key).decode() + "\n")
    os.chmod(path, 0o600)
    return path


async def wait(predicate: Callable[[], bool], what: str) -> None:
    """Until ``predicate()`` (checked whenever the loop runs), within the generous timeout."""
    async with asyncio.timeout(TIMEOUT):
        while not predicate():
            await asyncio.sleep(0.02)


class VoiceSession:
    """Home Assistant's voice-assistant subscription, recorded for the tests to wait on."""

    def __init__(self, client: APIClient) -> None:
        self.client = client
        self.starts: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()
        """``(conversation_id, wake_word_phrase)`` of each turn the satellite started."""
        self.finished: asyncio.Queue[bool] = asyncio.Queue()
        """``success`` of each VoiceAssistantAnnounceFinished."""
        self.audio = bytearray()
        self.audio_ended = asyncio.Event()
        self.unsubscribe = client.subscribe_voice_assistant(
            handle_start=self._start, handle_stop=self._stop, handle_audio=self._audio,
            handle_announcement_finished=self._finished,
        )

    async def _start(self, conversation_id: str, flags: int, settings: object, wake_word_phrase: str | None) -> int:
        self.audio.clear()
        self.audio_ended.clear()
        self.starts.put_nowait((conversation_id, wake_word_phrase))
        return 0  # audio over the API, as Home Assistant answers

    async def _stop(self, abort: bool) -> None:
        self.audio_ended.set()

    async def _audio(self, data: bytes, data2: bytes | None = None) -> None:
        self.audio.extend(data)

    async def _finished(self, message: object) -> None:
        self.finished.put_nowait(bool(getattr(message, "success", False)))

    async def next_start(self) -> tuple[str, str | None]:
        async with asyncio.timeout(TIMEOUT):
            return await self.starts.get()

    async def next_finished(self) -> bool:
        async with asyncio.timeout(TIMEOUT):
            return await self.finished.get()
