"""Whisper base's languages, on the real model.

- With no language set, each utterance is transcribed in the language Whisper detects, and the
  transcript carries that language.
- A language set for the stream (a satellite's ``--satellites-languages NAME=LANG``, Wyoming
  ``transcribe``'s language) is decoded as that language, with no detection: German that the
  detection takes for English is heard as German.
- With no language set, the quick first pass detects the language on its own short window, so a
  whole local request still ends the turn after a short pause.
- A voice turn hands the heard language on: the reply is made and stored in it, and its speech is
  asked for in it (which picks ``--tts-language-voices``' voice).
- tiny.en knows English only; base knows Whisper's languages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aria_server.events import EventType, PipelineEvent
from aria_server.pipeline.turn import TurnRequest, VoicePipeline
from aria_server.services import Services, close_services, load_services
from aria_server.settings import SatellitesSettings
from aria_server.stt import bundled
from aria_server.stt.base import Transcript
from aria_server.stt.service import SpeechService
from aria_wire.audio import PcmFormat
from tests.conftest import normalise, read_wav

from .languages import (
    FRENCH,
    GERMAN,
    GERMAN_HEARD_AS_ENGLISH,
    SPANISH,
    base_settings,
    espeak,
)

pytestmark = pytest.mark.skipif(not bundled.is_installed("base"), reason="Whisper base's packages are not installed")


@pytest.fixture(scope="module")
async def base(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    loaded = await load_services(base_settings(tmp_path_factory.mktemp("base-data")))
    yield loaded
    close_services(loaded)


async def _recording(stt: SpeechService, pcm: bytes, fmt: PcmFormat, language: str | None) -> Transcript:
    """As a Wyoming asr client sends a recording: all of it at once, then audio-stop."""
    session = stt.start(fmt, language)
    step = fmt.rate * 32 // 1000 * fmt.bytes_per_frame
    for offset in range(0, len(pcm), step):
        await session.feed(pcm[offset : offset + step])
    return await session.finish()


@pytest.mark.parametrize(
    ("speech", "language", "heard"),
    [(GERMAN, "de", "guten morgen wie geht es dir heute"), (FRENCH, "fr", "minute"), (SPANISH, "es", "hoy")],
)
async def test_with_no_language_set_each_utterance_is_heard_in_its_own_language(
    base: Services, speech: tuple[str, str, int], language: str, heard: str
) -> None:
    assert base.stt is not None
    transcript = await _recording(base.stt, *espeak(*speech), None)
    assert transcript.language == language
    assert heard in normalise(transcript.text)


async def test_a_set_language_is_decoded_without_detection(base: Services) -> None:
    assert base.stt is not None
    pcm, fmt = espeak(*GERMAN_HEARD_AS_ENGLISH)
    detected = await _recording(base.stt, pcm, fmt, None)
    assert detected.language == "en"  # the control: left to itself, Whisper base hears English
    german = await _recording(base.stt, pcm, fmt, "de")
    assert german.language == "de"
    assert {"auf", "minuten"} <= set(normalise(german.text).split())  # not "of 10 minutes"


class SpokenLanguages:
    """The real TTS, noting the language each piece of the reply was asked for in."""

    def __init__(self, tts: Any) -> None:
        self._tts = tts
        self.languages: list[str | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tts, name)

    async def synthesize(self, text: Any, language: str | None = None, **options: Any) -> Any:
        # The pipeline hands the TTS stage the reply's text stream (tts/chunker.py splits it).
        async for audio in self._tts.synthesize(text, language, **options):
            self.languages.append(language)
            yield audio


async def _turn(base: Services, pcm: bytes, fmt: PcmFormat, language: str | None, conversation: str) -> tuple[dict[str, Any], SpokenLanguages, list[PipelineEvent]]:
    assert base.agent is not None
    tts = SpokenLanguages(base.tts)
    step = fmt.rate * 32 // 1000 * fmt.bytes_per_frame
    audio = pcm + bytes(2 * fmt.rate * fmt.bytes_per_frame)  # 2 s of silence: the turn ends on it

    async def microphone() -> AsyncIterator[bytes]:
        for offset in range(0, len(audio), step):
            yield audio[offset : offset + step]

    pipeline = VoicePipeline(base.stt, base.agent, tts, base.turn_taking)  # type: ignore[arg-type]
    request = TurnRequest(conversation_id=conversation, audio=microphone(), audio_format=fmt, language=language)
    events = [event async for event in pipeline.run_turn(request)]
    [stt_end] = [event.data for event in events if event.type is EventType.STT_END]
    return stt_end, tts, events


async def test_a_voice_turn_answers_in_the_language_it_heard(base: Services) -> None:
    assert base.agent is not None
    stt_end, tts, _ = await _turn(base, *espeak(*GERMAN), None, "language-heard")
    assert stt_end["language"] == "de" and "guten morgen" in normalise(stt_end["text"])
    assert tts.languages and set(tts.languages) == {"de"}
    [turn] = await base.agent.store.recent_turns("language-heard")
    assert turn.language == "de"


async def test_a_satellite_with_a_language_has_its_turns_decoded_in_it(base: Services) -> None:
    # --satellites-languages kitchen=de: the kitchen's turns are requested in German.
    language = SatellitesSettings(languages=["kitchen=de"]).profile("kitchen").language
    stt_end, tts, _ = await _turn(base, *espeak(*GERMAN_HEARD_AS_ENGLISH), language, "kitchen-language")
    assert stt_end["language"] == "de" and {"auf", "minuten"} <= set(normalise(stt_end["text"]).split())
    assert set(tts.languages) == {"de"}


async def test_with_no_language_set_a_whole_local_request_still_ends_the_turn_early(base: Services) -> None:
    pcm, rate, width, channels = read_wav("set_a_timer")
    stt_end, _, events = await _turn(base, pcm, PcmFormat(rate, width, channels), None, "quick-pass-detects")
    [vad_end] = [event.data for event in events if event.type is EventType.VAD_END]
    assert vad_end.get("early") is True and stt_end["first_pass"]
    assert "timer" in normalise(stt_end["text"])


def test_tiny_en_knows_english_and_base_every_whisper_language(services: Services, base: Services) -> None:
    assert services.stt is not None and base.stt is not None
    assert services.stt.decoder.languages == ["en"]
    languages = base.stt.decoder.languages
    assert len(languages) >= 99 and {"en", "de", "fr", "es", "ja"} <= set(languages)
