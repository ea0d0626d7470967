"""Languages over Wyoming, with the official client on real sockets.

- ``describe`` lists what the decoder really knows (tiny.en: English; base: Whisper's languages),
  and the conversation's own languages separately, on the handle program.
- On Whisper base with no language set, a ``transcribe`` without a language is heard in the
  language Whisper detects, and ``transcript-start`` and ``transcript`` say which; a language in
  ``transcribe`` is used as given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from wyoming.asr import Transcribe, Transcript, TranscriptStart
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.info import Describe, Info

from aria_server.app import create_wyoming_server
from aria_server.services import Services, close_services, load_services
from aria_server.stt import bundled
from tests.conftest import normalise
from tests.stt.languages import (
    GERMAN,
    GERMAN_HEARD_AS_ENGLISH,
    SPANISH,
    base_settings,
    espeak,
)
from tests.wyoming.test_server import _client, _read, _read_until

needs_base = pytest.mark.skipif(not bundled.is_installed("base"), reason="Whisper base's packages are not installed")


@pytest.fixture(scope="module")
async def base_uri(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    settings = base_settings(tmp_path_factory.mktemp("base-wyoming"), llm={"backend": "none", "languages": ["en", "de"]})
    services: Services = await load_services(settings)
    server = create_wyoming_server(settings, services)
    await server.start()
    yield f"tcp://127.0.0.1:{server.port}"
    await server.stop()
    close_services(services)


async def _describe(uri: str) -> Info:
    async with _client(uri) as client:
        await client.write_event(Describe().event())
        return Info.from_event(await _read(client))


async def _transcribe(uri: str, speech: tuple[str, str, int], language: str | None) -> tuple[TranscriptStart, Transcript]:
    pcm, fmt = espeak(*speech)
    async with _client(uri) as client:
        await client.write_event(Transcribe(language=language).event())
        await client.write_event(AudioStart(rate=fmt.rate, width=fmt.width, channels=fmt.channels).event())
        step = fmt.rate * 32 // 1000 * fmt.bytes_per_frame
        for offset in range(0, len(pcm), step):
            chunk = AudioChunk(rate=fmt.rate, width=fmt.width, channels=fmt.channels, audio=pcm[offset : offset + step])
            await client.write_event(chunk.event())
        await client.write_event(AudioStop().event())
        events = await _read_until(client, "transcript")
    [start] = [TranscriptStart.from_event(e) for e in events if TranscriptStart.is_type(e.type)]
    return start, Transcript.from_event(events[-1])


async def test_describe_on_tiny_en_lists_english_only(wyoming_uri: str) -> None:
    info = await _describe(wyoming_uri)
    assert info.asr[0].models[0].languages == ["en"]
    assert info.handle[0].models[0].languages == ["en"]


@needs_base
async def test_describe_on_base_lists_whisper_languages_and_the_conversation_its_own(base_uri: str) -> None:
    info = await _describe(base_uri)
    asr = info.asr[0].models[0]
    assert asr.name == "base"
    assert len(asr.languages) >= 99 and {"en", "de", "fr", "es", "ja"} <= set(asr.languages)
    assert info.handle[0].models[0].languages == ["en", "de"]  # what the conversation accepts, not Whisper


@needs_base
@pytest.mark.parametrize(("speech", "language", "heard"), [(GERMAN, "de", "guten morgen"), (SPANISH, "es", "hoy")])
async def test_a_transcribe_without_a_language_is_heard_in_the_detected_one(
    base_uri: str, speech: tuple[str, str, int], language: str, heard: str
) -> None:
    start, transcript = await _transcribe(base_uri, speech, None)
    assert start.language == transcript.language == language
    assert heard in normalise(transcript.text)


@needs_base
async def test_a_language_in_transcribe_is_used_as_given(base_uri: str) -> None:
    start, transcript = await _transcribe(base_uri, GERMAN_HEARD_AS_ENGLISH, "de")
    assert start.language == transcript.language == "de"
    assert {"auf", "minuten"} <= set(normalise(transcript.text).split())
