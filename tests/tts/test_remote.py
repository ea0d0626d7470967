"""Remote TTS: Aria's engine on a real wyoming-piper 2.5.2 (bundled en_US-joe-medium), streamed by
clause through Aria's own Wyoming server, and its fallback to local Piper when the remote is down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeVoice

from aria_server.app import create_wyoming_server
from aria_server.errors import ConfigError
from aria_server.http.health import tts_health
from aria_server.remote import RemoteCaller, RemoteEndpoint
from aria_server.services import Services
from aria_server.settings import ServerSettings
from aria_server.tts.remote import WyomingTtsEngine
from aria_server.tts.service import SpeechSynthesis
from aria_server.wyoming.info import build_info
from tests.peers import Peer

TIMEOUT = 60


async def _text(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


async def _describe(port: int) -> Info:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), TIMEOUT)
    assert event is not None
    return Info.from_event(event)


async def test_pieces_come_from_the_remote_one_clause_at_a_time(remote_services: Services) -> None:
    tts = remote_services.tts
    assert tts is not None
    pieces = [a async for a in tts.synthesize(_text("Good morning, the kitchen light is ", "now on, and the heating too."))]
    assert [p.text for p in pieces] == ["Good morning, the kitchen light is now on,", "and the heating too."]
    for piece in pieces:
        assert piece.rate == 22_050  # the voice's own rate, learned from the remote's audio-start
        assert piece.seconds > 0.5
        assert np.abs(np.frombuffer(piece.pcm, dtype=np.int16)).max() > 1_000
    health = tts_health(remote_services)
    assert (health.status, health.backend, health.device, health.fallback_in_use) == ("ok", "wyoming", "remote", False)
    assert health.details["active"]["remote_streaming"] is True  # wyoming-piper offers streaming


async def test_the_remote_gives_the_audio_it_gives_when_asked_directly(remote_services: Services, piper_peer: Peer) -> None:
    assert remote_services.tts is not None
    audio = await remote_services.tts.synthesize_piece("Set a timer for five minutes.")
    direct = b""
    async with AsyncTcpClient("127.0.0.1", piper_peer.port) as client:
        await client.write_event(Synthesize("Set a timer for five minutes.", voice=SynthesizeVoice("en_US-joe-medium")).event())
        while True:
            event = await asyncio.wait_for(client.read_event(), TIMEOUT)
            assert event is not None
            if AudioChunk.is_type(event.type):
                direct += AudioChunk.from_event(event).audio
            elif AudioStart.is_type(event.type):
                assert AudioStart.from_event(event).rate == audio.rate
            elif AudioStop.is_type(event.type):
                break
    # Piper samples noise, so the two differ in detail; they are the same voice, text and length.
    assert abs(len(audio.pcm) - len(direct)) < 0.1 * len(direct)


async def test_describe_lists_the_remote_voices(remote_uri: str, piper_peer: Peer) -> None:
    info = await _describe(int(remote_uri.rsplit(":", 1)[1]))
    peer = await _describe(piper_peer.port)
    assert [v.name for v in info.tts[0].voices] == [v.name for v in peer.tts[0].voices if v.installed]
    assert info.tts[0].voices[0].attribution == peer.tts[0].voices[0].attribution
    assert info.tts[0].supports_synthesize_streaming  # Aria streams by clause whatever the remote does


def test_a_voice_the_remote_lacks_is_refused(piper_peer: Peer) -> None:
    with pytest.raises(ConfigError) as caught:
        WyomingTtsEngine.connect(RemoteCaller(RemoteEndpoint(piper_peer.url)), "de_DE-nobody-low")
    assert caught.value.code == "tts-voice-missing"


async def test_remote_down_falls_back_to_local_piper(fallback_services: Services) -> None:
    tts = fallback_services.tts
    assert tts is not None
    assert [e.name for e in tts.engines] == ["wyoming", "piper"]
    audio = await tts.synthesize_piece("The lamp is on.")
    assert audio.rate == 22_050 and audio.seconds > 0.3
    health = tts_health(fallback_services)
    assert health.status == "degraded" and health.fallback_in_use
    assert health.details["active"]["backend"] == "piper" and health.device == "cpu"
    assert health.last_error is not None and "wyoming" in health.last_error
    info = build_info(fallback_services.stt, fallback_services.tts, fallback_services.agent)
    assert [v.name for v in info.tts[0].voices] == ["en_US-joe-medium"]
    assert info.tts[0].voices[0].attribution.name.startswith("Piper")


async def test_another_aria_as_the_remote_and_its_going_away(settings: ServerSettings, services: Services) -> None:
    """Aria's own Wyoming server is a remote like any other; when it stops, the local engine speaks."""
    assert services.tts is not None
    piper = services.tts.engines[0]
    server = create_wyoming_server(settings, services)
    await server.start()
    try:
        caller = RemoteCaller(RemoteEndpoint(f"tcp://127.0.0.1:{server.port}", connect_timeout_s=1))
        remote = await asyncio.to_thread(WyomingTtsEngine.connect, caller, None)
        assert remote.remote.program == "aria-tts" and remote.voice.name == "en_US-joe-medium"
        chain = SpeechSynthesis([remote, piper], [remote.voice], 10_000)
        audio = await chain.synthesize_piece("The lamp is on.")
        assert chain.active is remote and audio.seconds > 0.3
    finally:
        await server.stop()
    try:
        audio = await chain.synthesize_piece("The lamp is on.")
        assert chain.active is piper and audio.seconds > 0.3
        assert not caller.reachable  # skipped for retry_after_s from now on
    finally:
        chain.close()
