"""How a spoken turn's transcript is made: ``stt.final_decode``.

- ``first-pass`` (the default): the first pass at the turn's last pause (a 10 s window) is the
  transcript, and the 30 s decode never runs (unless the utterance is longer than one window).
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
    """The real decoder, counting the full decodes and the first passes asked of it."""

    def __init__(self, real: Decoder) -> None:
        self.real = real
        self.name = real.name
        self.languages = real.languages
        self.full_decodes = 0
        self.first_passes = 0

    def decode(self, samples: np.ndarray, language: str | None, hotwords: str | None = None) -> Any:
        self.full_decodes += 1
        return self.real.decode(samples, language, hotwords)

    def decode_fitted(self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *,
                      min_window_s: float = 0.0) -> Any:
        self.first_passes += 1
        return self.real.decode_fitted(samples, language, hotwords, min_window_s=min_window_s)


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
    assert decoder.first_passes == 1 and decoder.full_decodes == 1 and not transcript.at_pause


def test_first_pass_is_the_default_and_the_older_verified_reads_as_it() -> None:
    assert SttSettings().final_decode == "first-pass"
    assert SttSettings(final_decode="verified").final_decode == "first-pass"  # a config written before


async def test_first_pass_its_words_at_the_last_pause_are_the_transcript(services: Services) -> None:
    assert services.stt is not None
    decoder = CountingDecoder(services.stt.decoder)
    transcript = await _turn(services, decoder, "first-pass", speak(*QUESTION))
    assert normalise(transcript.text) == "why is the sky blue"
    assert transcript.at_pause and transcript.speculative and not transcript.first_pass
    assert decoder.first_passes == 1 and decoder.full_decodes == 0


async def test_first_pass_a_whole_local_request_ends_the_turn_early(services: Services) -> None:
    assert services.stt is not None
    decoder = CountingDecoder(services.stt.decoder)
    transcript = await _turn(services, decoder, "first-pass", speak(0.4, "What time is it?", 1.5))
    assert transcript.first_pass and "time" in normalise(transcript.text)
    assert decoder.first_passes == 1 and decoder.full_decodes == 0


async def test_first_pass_words_that_say_themselves_again_go_to_the_full_decode(services: Services) -> None:
    """The real decoder's words, marked as Whisper repeating itself ("Turn on the spaceship. Turn on
    this spaceship", seen with a home's hotwords; ``says_again`` is tested on such texts): the 30 s
    decode makes the transcript."""
    assert services.stt is not None

    class Repeating(CountingDecoder):
        def decode_fitted(self, *args: Any, **kwargs: Any) -> Any:
            return super().decode_fitted(*args, **kwargs)._replace(says_again=True)

    decoder = Repeating(services.stt.decoder)
    transcript = await _turn(services, decoder, "first-pass", speak(*QUESTION))
    assert "sky" in normalise(transcript.text) and not transcript.at_pause
    assert decoder.first_passes == 1 and decoder.full_decodes == 1


def test_a_first_pass_longer_than_its_window_says_so(services: Services) -> None:
    """Its words are then no transcript: the window held only the first 30 s."""
    assert services.stt is not None
    question = np.frombuffer(speak(*QUESTION), dtype=np.int16)
    short = services.stt.decoder.decode_fitted(question, "en", min_window_s=10)
    long = services.stt.decoder.decode_fitted(np.tile(question, 32 * 16_000 // len(question) + 1), "en")
    assert short is not None and short.whole and long is not None and not long.whole


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
