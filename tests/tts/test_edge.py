"""Edge-TTS against a LOCAL STAND-IN of Microsoft's online service (the real one cannot be reached
from here, and a test must not send text off the machine).

The stand-in is a TLS websocket server on 127.0.0.1 that speaks what edge-tts 7.3.1 expects: it
takes the ``speech.config`` and SSML messages, answers ``turn.start``, the audio as binary
``Path:audio`` messages (real MP3, 24 kHz mono, made with soundfile), then ``turn.end``. edge-tts is
pointed at it through its ``connector`` (a resolver that sends the service's host name to
127.0.0.1) and, test-only, an SSL context that trusts the stand-in's self-signed certificate.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aria_server.config import validate_tree
from aria_server.errors import ConfigError
from aria_server.services import Services
from aria_server.settings import TtsSettings
from aria_server.tts.service import SpeechSynthesis

edge_tts = pytest.importorskip("edge_tts", reason="the edge extra is not installed (pip install 'aria-voice[edge]')")
soundfile = pytest.importorskip("soundfile", reason="the edge extra is not installed (pip install 'aria-voice[edge]')")
aiohttp = pytest.importorskip("aiohttp")
from aiohttp import web
from aiohttp.abc import AbstractResolver

from aria_server.tts.edge import SAMPLE_RATE, EdgeEngine

SERVICE_HOST = "speech.platform.bing.com"
SECONDS_PER_CHAR = 0.05
"""The stand-in's audio is a tone this long per character of text, so length can be checked."""


@dataclass
class StandIn:
    """The stand-in service: its port and what it was asked."""

    port: int
    requests: list[str] = field(default_factory=list)
    refuse: bool = False


STAND_IN = web.AppKey("stand_in", StandIn)


def _mp3_tone(seconds: float) -> bytes:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    out = io.BytesIO()
    soundfile.write(out, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), SAMPLE_RATE, format="MP3")
    return out.getvalue()


def _binary_audio(mp3: bytes) -> bytes:
    headers = b"X-RequestId:standin\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n"
    return len(headers).to_bytes(2, "big") + headers + mp3


async def _speak(request: web.Request) -> web.StreamResponse:
    stand_in = request.app[STAND_IN]
    if stand_in.refuse:
        return web.Response(status=503)
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type != aiohttp.WSMsgType.TEXT or "Path:ssml" not in message.data:
            continue  # speech.config: nothing to answer
        stand_in.requests.append(message.data)
        spoken = re.sub(r"<[^>]+>", "", message.data.split("\r\n\r\n", 1)[1]).strip()
        await ws.send_str("X-RequestId:standin\r\nContent-Type:application/json\r\nPath:turn.start\r\n\r\n{}")
        mp3 = _mp3_tone(len(spoken) * SECONDS_PER_CHAR)
        for start in range(0, len(mp3), 4096):
            await ws.send_bytes(_binary_audio(mp3[start : start + 4096]))
        await ws.send_str("X-RequestId:standin\r\nContent-Type:application/json\r\nPath:turn.end\r\n\r\n{}")
        break
    await ws.close()
    return ws


class _ToStandIn(AbstractResolver):
    """Resolves the service's host name to the stand-in on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        assert host == SERVICE_HOST, f"edge-tts tried to reach {host}"
        return [{"hostname": host, "host": "127.0.0.1", "port": self.port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the stand-in's certificate")
    directory = tmp_path_factory.mktemp("edge-cert")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={SERVICE_HOST}",
         "-addext", f"subjectAltName=DNS:{SERVICE_HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
async def stand_in(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StandIn]:
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    stand_in = StandIn(port=0)
    app = web.Application()
    app[STAND_IN] = stand_in
    app.router.add_get("/consumer/speech/synthesize/readaloud/edge/v1", _speak)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
    await site.start()
    stand_in.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    # Test-only: edge-tts verifies the service against certifi's CAs; the stand-in is self-signed.
    monkeypatch.setattr(edge_tts.communicate, "_SSL_CTX", ssl.create_default_context(cafile=str(cert)))
    yield stand_in
    await runner.cleanup()


def _engine(stand_in: StandIn) -> EdgeEngine:
    connector: Callable[[], Any] = lambda: aiohttp.TCPConnector(resolver=_ToStandIn(stand_in.port))
    return EdgeEngine(TtsSettings(backend="edge", fallback=["piper"], remote_timeout_s=20), connector=connector)


async def test_text_goes_to_the_service_and_its_mp3_comes_back_as_24_khz_pcm(stand_in: StandIn) -> None:
    service = SpeechSynthesis([_engine(stand_in)], [], 10_000)
    try:
        audio = await service.synthesize_piece("The lamp is on.")
    finally:
        service.close()
    assert audio.rate == SAMPLE_RATE
    assert abs(audio.seconds - len("The lamp is on.") * SECONDS_PER_CHAR) < 0.15  # MP3 frames pad a little
    assert np.abs(np.frombuffer(audio.pcm, dtype=np.int16)).max() > 5_000
    [ssml] = stand_in.requests
    assert "The lamp is on." in ssml and "(en-US, AriaNeural)" in ssml


async def test_a_refusing_service_falls_back_to_local_piper(stand_in: StandIn, services: Services) -> None:
    assert services.tts is not None
    piper = services.tts.engines[0]
    stand_in.refuse = True
    service = SpeechSynthesis([_engine(stand_in), piper], [], 10_000)
    try:
        audio = await service.synthesize_piece("The lamp is on.")
    finally:
        service.close()
    assert service.active is piper and audio.rate == SAMPLE_RATE  # resampled to the first engine's rate
    assert audio.seconds > 0.3
    assert service.last_error is not None and service.last_error.startswith("edge:")


def test_edge_alone_is_refused_and_never_the_default(data_dir: Path) -> None:
    assert TtsSettings().backend == "piper"
    with pytest.raises(ConfigError, match="Microsoft"):
        validate_tree({"data_dir": str(data_dir), "tts": {"backend": "edge"}})
    with pytest.raises(ConfigError, match="local engine"):
        validate_tree({"data_dir": str(data_dir), "tts": {"backend": "edge", "fallback": ["wyoming"], "url": "tcp://h:1"}})
    assert validate_tree({"data_dir": str(data_dir), "tts": {"backend": "edge", "fallback": ["piper"]}}).tts.fallback == ["piper"]
