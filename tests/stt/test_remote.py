"""Remote STT: Aria's decoder on a real wyoming-faster-whisper 3.8.1 (bundled tiny.en), and its
fallback to the local model when the remote is down. Driven through Aria's own Wyoming server
with the official client, as Home Assistant would."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

from aria_server.errors import ConfigError, RemoteUnavailable, SttError
from aria_server.http.health import stt_health
from aria_server.remote import RemoteCaller, RemoteEndpoint
from aria_server.services import Services, load_services
from aria_server.settings import ServerSettings
from aria_server.stt.chain import DecoderChain
from aria_server.stt.remote import WyomingDecoder
from aria_server.wyoming.info import build_info
from tests.conftest import normalise, read_wav
from tests.peers import Peer

TIMEOUT = 60


async def _transcribe(uri: str, name: str) -> str:
    pcm, rate, width, channels = read_wav(name)
    host, port = uri.removeprefix("tcp://").split(":")
    async with AsyncTcpClient(host, int(port)) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
        step = int(rate * 0.032) * width * channels
        for offset in range(0, len(pcm), step):
            chunk = AudioChunk(rate=rate, width=width, channels=channels, audio=pcm[offset : offset + step])
            await client.write_event(chunk.event())
        await client.write_event(AudioStop().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), TIMEOUT)
            assert event is not None, "Aria closed the connection"
            if Transcript.is_type(event.type):
                return Transcript.from_event(event).text


async def test_aria_transcribes_through_the_remote(remote_uri: str, remote_services: Services) -> None:
    assert normalise(await _transcribe(remote_uri, "what_time_is_it_44k_stereo")) == "what time is it"
    assert normalise(await _transcribe(remote_uri, "set_a_timer")) == "set a timer for five minutes"
    health = stt_health(remote_services)
    assert (health.status, health.backend, health.device, health.fallback_in_use) == ("ok", "wyoming", "remote", False)
    assert health.details["active"]["program"] == "faster-whisper"


async def test_describe_reflects_the_remote_model(remote_uri: str, whisper_peer: Peer) -> None:
    host, port = remote_uri.removeprefix("tcp://").split(":")
    async with AsyncTcpClient(host, int(port)) as client:
        await client.write_event(Describe().event())
        info = Info.from_event(await asyncio.wait_for(client.read_event(), TIMEOUT))  # type: ignore[arg-type]
    async with AsyncTcpClient("127.0.0.1", whisper_peer.port) as client:
        await client.write_event(Describe().event())
        peer = Info.from_event(await asyncio.wait_for(client.read_event(), TIMEOUT))  # type: ignore[arg-type]
    model = info.asr[0].models[0]
    assert model.name == peer.asr[0].models[0].name
    assert model.languages == sorted(peer.asr[0].models[0].languages)
    assert model.attribution == peer.asr[0].models[0].attribution
    assert whisper_peer.url in model.description


async def test_remote_down_falls_back_to_the_local_model(fallback_settings: ServerSettings, fallback_services: Services) -> None:
    assert fallback_services.stt is not None
    decoder = fallback_services.stt.decoder
    assert isinstance(decoder, DecoderChain)
    pcm, _, _, _ = read_wav("set_a_timer")
    texts, _ = await asyncio.to_thread(decoder.decode, np.frombuffer(pcm, dtype=np.int16), "en")
    assert normalise(" ".join(texts)) == "set a timer for five minutes"
    health = stt_health(fallback_services)
    assert health.status == "degraded" and health.fallback_in_use
    assert health.backend == "wyoming" and health.details["active"]["backend"] == "faster-whisper"
    assert health.device == "cpu"
    assert health.last_error is not None and fallback_settings.stt.url in health.last_error
    assert health.details["chain"][0]["reachable"] is False  # waited out before the next try
    # What the remote runs is not known: describe offers the local model that answers meanwhile.
    info = build_info(fallback_services.stt, fallback_services.tts, fallback_services.agent)
    assert info.asr[0].models[0].name == "tiny.en"


async def test_remote_down_without_a_fallback_refuses_to_start(settings: ServerSettings, dead_url: str) -> None:
    alone = settings.model_copy(update={"stt": settings.stt.model_copy(update={"backend": "wyoming", "url": dead_url})})
    with pytest.raises(ConfigError) as caught:
        await load_services(alone)
    assert caught.value.code == "stt-remote-unreachable"


def test_an_unreachable_remote_is_skipped_until_retry_after(dead_url: str) -> None:
    now = [0.0]
    caller = RemoteCaller(RemoteEndpoint(dead_url, connect_timeout_s=1), retry_after_s=30, clock=lambda: now[0])
    decoder = WyomingDecoder.__new__(WyomingDecoder)  # no describe: the remote is down
    decoder.caller = caller
    silence = np.zeros(1600, dtype=np.int16)
    with pytest.raises(RemoteUnavailable):
        decoder.decode(silence, "en")  # a real refused connection
    assert not caller.reachable and caller.last_error
    now[0] = 29.0
    with pytest.raises(RemoteUnavailable, match="retried later"):
        decoder.decode(silence, "en")  # not even tried
    now[0] = 31.0
    assert caller.reachable


async def test_a_chain_whose_every_decoder_is_down_fails_with_a_code(dead_url: str) -> None:
    caller = RemoteCaller(RemoteEndpoint(dead_url, connect_timeout_s=1))
    decoder = WyomingDecoder.__new__(WyomingDecoder)
    decoder.caller, decoder.name, decoder.languages = caller, "remote", []
    chain = DecoderChain([decoder])
    with pytest.raises(SttError) as caught:
        await asyncio.to_thread(chain.decode, np.zeros(1600, dtype=np.int16), "en")
    assert caught.value.code == "stt-unavailable"
