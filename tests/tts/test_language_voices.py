"""A voice per language (``--tts-language-voice ja=kokoro:jf_nezumi``): a piece asked for in that
language is spoken by that voice, anything else by the default chain; describe lists both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize, SynthesizeVoice

from aria_server.app import create_wyoming_server
from aria_server.config import validate_tree
from aria_server.errors import ConfigError
from aria_server.services import Services, close_services, load_services
from aria_server.settings import SatellitesSettings, ServerSettings
from aria_server.tts import kokoro
from aria_server.wyoming.info import build_info

needs_kokoro = pytest.mark.skipif(not kokoro.is_installed(), reason=f"the kokoro extra is not installed ({kokoro.EXTRA_HINT})")


@pytest.fixture(scope="module")
def voices_settings(data_dir: Path) -> ServerSettings:
    return validate_tree(
        {
            "data_dir": str(data_dir), "zeroconf": False, "llm": {"backend": "none"}, "wyoming": {"port": 0},
            "tts": {"language_voices": ["ja=kokoro:jf_nezumi", "en=piper"]},
        }
    )


@pytest.fixture(scope="module")
async def voices_services(voices_settings: ServerSettings) -> AsyncIterator[Services]:
    if not kokoro.is_installed():
        pytest.skip(f"the kokoro extra is not installed ({kokoro.EXTRA_HINT})")
    loaded = await load_services(voices_settings)
    yield loaded
    close_services(loaded)


@needs_kokoro
async def test_describe_lists_each_language_voice(voices_services: Services) -> None:
    [program] = build_info(voices_services.stt, voices_services.tts, voices_services.agent).tts
    voices = {voice.name: voice for voice in program.voices}
    assert set(voices) == {"en_US-joe-medium", "jf_nezumi"}
    assert voices["jf_nezumi"].languages == ["ja"] and "Kokoro" in voices["jf_nezumi"].attribution.name
    assert voices["en_US-joe-medium"].attribution.name.startswith("Piper")


@needs_kokoro
async def test_the_language_picks_the_voice(voices_services: Services) -> None:
    tts = voices_services.tts
    assert tts is not None
    assert tts.by_language["en"] is tts.engines[0]  # the default voice is not loaded twice
    japanese = await tts.synthesize_piece("こんにちは。", "ja-JP")
    assert tts.active.name == "kokoro" and tts.active.voice.name == "jf_nezumi"
    assert japanese.rate == tts.sample_rate == 22_050  # Kokoro's 24 kHz resampled: one stream, one format
    assert japanese.seconds > 0.3
    await tts.synthesize_piece("Hello there.", "en")
    assert tts.active.name == "piper"
    await tts.synthesize_piece("Hello there.", None)
    assert tts.active.name == "piper"


@needs_kokoro
async def test_a_wyoming_client_asks_for_the_voice_by_name(voices_settings: ServerSettings, voices_services: Services) -> None:
    server = create_wyoming_server(voices_settings, voices_services)
    await server.start()
    try:
        async with AsyncTcpClient("127.0.0.1", server.port) as client:
            await client.write_event(Synthesize("ありがとう。", voice=SynthesizeVoice(name="jf_nezumi")).event())
            pcm = b""
            while True:
                event = await asyncio.wait_for(client.read_event(), 60)
                assert event is not None
                if AudioChunk.is_type(event.type):
                    pcm += AudioChunk.from_event(event).audio
                elif AudioStop.is_type(event.type):
                    break
    finally:
        await server.stop()
    assert voices_services.tts is not None and voices_services.tts.active.name == "kokoro"
    assert np.abs(np.frombuffer(pcm, dtype=np.int16)).max() > 1_000


def test_a_malformed_language_voice_is_refused(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match="language_voices"):
        validate_tree({"data_dir": str(data_dir), "tts": {"language_voices": ["japanese=kokoro"]}})


def test_a_satellite_language_is_looked_up_by_name() -> None:
    settings = SatellitesSettings(languages=["kitchen=ja", "living room=en"])
    assert settings.profile("kitchen").language == "ja"
    assert settings.profile("living room").language == "en"
    assert settings.profile("bedroom").language is None
