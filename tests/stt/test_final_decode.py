"""How a spoken turn's transcript is made: ``stt.final_decode``.

- ``verified`` (the default): a second pass on a longer fitted window (10 s) is asked first; when
  it hears the same words as the first pass, that is the transcript and the 30 s decode never
  runs; when it hears other words, the 30 s decode answers as with ``full``.
- ``full``: the first pass at the pause only judges the turn; the transcript of anything but a
  whole local request is Whisper's 30 s-window decode.

Real models (Whisper tiny.en, Silero, the bundled Piper voice for the audio), fed in simulated real
time. ``CountingDecoder`` only counts the calls it passes to the real decoder.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from aria_server.services import Services
from aria_server.settings import FinalDecode, SttSettings, VadSettings
from aria_server.stt.base import Decoder, Transcript
from aria_server.stt.service import SpeechService
from aria_server.turn_taking.shape import RequestShape
from tests.stt.judged import decisions
from tests.conftest import AudioClock, normalise
from aria_server.vad.endpointer import VadEventType
from tests.stt.test_end_of_turn import CHUNK, FORMAT, speak


class CountingDecoder:
    """The real decoder, counting the full decodes and the verifying passes asked of it.

    ``verify_on``: audio the verifying pass decodes instead of the utterance (a second window that
    really hears other words); None: the utterance itself."""

    def __init__(self, real: Decoder, verify_on: bytes | None = None) -> None:
        self.real = real
        self.name = real.name
        self.languages = real.languages
        self.full_decodes = 0
        self.verifying_passes = 0
        self._verify_on = None if verify_on is None else np.frombuffer(verify_on, dtype=np.int16)

    def decode(self, samples: np.ndarray, language: str | None, hotwords: str | None = None) -> Any:
        self.full_decodes += 1
        return self.real.decode(samples, language, hotwords)

    def decode_quick(self, samples: np.ndarray, language: str | None) -> str | None:
        return self.real.decode_quick(samples, language)

    def decode_fitted(self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *,
                      min_window_s: float = 0.0) -> Any:
        self.verifying_passes += 1
        audio = samples if self._verify_on is None else self._verify_on
        return self.real.decode_fitted(audio, language, hotwords, min_window_s=min_window_s)


async def _turn(services: Services, decoder: CountingDecoder, final_decode: FinalDecode, pcm: bytes) -> Transcript:
    """One satellite-style turn (endpointing, the agent's judgement) through a service using ``decoder``."""
    assert services.stt is not None and services.agent is not None
    service = SpeechService(decoder, services.stt.vad, VadSettings(), 60, services.stt.end_of_turn, final_decode)
    clock = AudioClock()
    session = service.start(FORMAT, "en", endpointing=True, clock=clock, turn=decisions(services))
    for offset in range(0, len(pcm), CHUNK):
        clock.advance(CHUNK / 32_000)
        if any(event.type is VadEventType.SPEECH_END for event in await session.feed(pcm[offset : offset + CHUNK])):
            break
    return await session.finish()


QUESTION = (0.4, "Why is the sky blue?", 1.5)


async def test_full_a_question_is_transcribed_by_the_full_decode(services: Services) -> None:
    assert services.stt is not None
    decoder = CountingDecoder(services.stt.decoder)
    transcript = await _turn(services, decoder, "full", speak(*QUESTION))
    assert "sky" in normalise(transcript.text)
    assert decoder.full_decodes == 1 and decoder.verifying_passes == 0 and not transcript.verified


def test_verified_is_the_default() -> None:
    assert SttSettings().final_decode == "verified"


async def test_verified_two_windows_that_agree_are_the_transcript(services: Services) -> None:
    assert services.stt is not None
    decoder = CountingDecoder(services.stt.decoder)
    transcript = await _turn(services, decoder, "verified", speak(*QUESTION))
    assert normalise(transcript.text) == "why is the sky blue"
    assert transcript.verified and transcript.speculative
    assert decoder.verifying_passes == 1 and decoder.full_decodes == 0


async def test_verified_windows_that_disagree_fall_back_to_the_full_decode(services: Services) -> None:
    assert services.stt is not None
    # The verifying window hears another utterance: the two passes cannot agree.
    decoder = CountingDecoder(services.stt.decoder, verify_on=speak(0.3, "Play some music in the bedroom.", 0.5))
    transcript = await _turn(services, decoder, "verified", speak(*QUESTION))
    assert "sky" in normalise(transcript.text) and "music" not in normalise(transcript.text)
    assert not transcript.verified
    assert decoder.verifying_passes == 1 and decoder.full_decodes == 1


async def test_verified_windows_that_agree_but_are_unsure_fall_back_to_the_full_decode(services: Services) -> None:
    # Both short windows hear "Romito and Juliet" (the 10 s one at a mean log-probability of
    # about -0.6); the 30 s window hears "Romeo".
    assert services.stt is not None
    decoder = CountingDecoder(services.stt.decoder)
    transcript = await _turn(services, decoder, "verified", speak(0.4, "Who wrote Romeo and Juliet?", 1.5))
    assert "romeo" in normalise(transcript.text) and not transcript.verified
    assert decoder.verifying_passes == 1 and decoder.full_decodes == 1


async def test_verified_a_whole_local_request_still_needs_only_the_first_pass(services: Services) -> None:
    assert services.stt is not None
    decoder = CountingDecoder(services.stt.decoder)
    transcript = await _turn(services, decoder, "verified", speak(0.4, "What time is it?", 1.5))
    assert transcript.first_pass and "time" in normalise(transcript.text)
    assert decoder.verifying_passes == 0 and decoder.full_decodes == 0


async def test_a_failing_whole_request_check_neither_hangs_nor_fails_the_turn(services: Services) -> None:
    """The check runs at each pause; if it raises, the turn waits the usual silence and the full
    decode answers (it once left the pipeline waiting for ever)."""
    assert services.stt is not None and services.agent is not None

    class BrokenIntents:
        def matches(self, text: str, language: str | None) -> bool:
            raise RuntimeError("the check broke")

        def sounds_unfinished(self, text: str, language: str | None) -> bool:
            raise RuntimeError("the check broke")

    shape = RequestShape(BrokenIntents(), None)  # type: ignore[arg-type]
    turn = decisions(services, shape=shape)
    session = services.stt.start(FORMAT, "en", endpointing=True, clock=(clock := AudioClock()), turn=turn)
    pcm = speak(0.4, "What time is it?", 1.5)
    ended = False
    for offset in range(0, len(pcm), CHUNK):
        clock.advance(CHUNK / 32_000)
        events = await asyncio.wait_for(session.feed(pcm[offset : offset + CHUNK]), 10)
        if any(event.type is VadEventType.SPEECH_END for event in events):
            ended = True
            break
    transcript = await session.finish()
    assert ended and not session.ended_early
    assert "what time is it" in normalise(transcript.text) and not transcript.first_pass
