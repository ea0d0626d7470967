"""When is the user done? Each pause is judged on the real models, in simulated real time.

- A pause after words that need more ("set a timer for ...") does not end the turn: the turn
  waits ``vad.incomplete_turn_end_ms`` and hears the rest.
- A pause after an utterance the end-of-turn model hears as finished ends the turn after
  ``vad.complete_turn_end_ms`` (a short silence) instead of ``end_of_speech_ms``.
- A recording that arrives faster than real time (through Wyoming asr, where the client ends the
  audio) is decoded once, after the audio ends.

The clock the session sees advances by exactly the audio fed, so "real time" here is the audio's
own time: nothing depends on how fast this machine is.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from aria_server.services import Services
from aria_server.settings import VadSettings
from aria_server.stt.service import SpeechService
from aria_server.stt.session import StreamingSession
from aria_server.vad.endpointer import VadEventType
from aria_wire.audio import PcmFormat
from tests.stt.judged import decisions
from tests.conftest import AudioClock, normalise
from tests.satellites.harness import ClipMaker

FORMAT = PcmFormat(16_000, 2, 1)
CHUNK = 512 * 2  # one 32 ms VAD frame of 16-bit audio


_VOICE: list[ClipMaker] = []


def speak(*parts: str | float) -> bytes:
    """The bundled Piper voice without sampling noise (the same audio every run): text is spoken,
    a number is that many seconds of silence."""
    if not _VOICE:
        _VOICE.append(ClipMaker(Path(tempfile.mkdtemp())))
    pieces = [
        _VOICE[0].speech(part) if isinstance(part, str) else np.zeros(int(16_000 * part), dtype=np.int16)
        for part in parts
    ]
    return np.concatenate(pieces).tobytes()


@pytest.fixture(scope="module")
def paused_timer() -> bytes:
    """'Set a timer for' ... 0.8 s of thinking ... 'ten minutes.', then 1.5 s of silence."""
    pcm = speak(0.4, "Set a timer for", 0.8, "ten minutes.", 1.5)
    return pcm


async def _listen(session: StreamingSession, pcm: bytes, clock: AudioClock | None) -> tuple[str, bool]:
    """Feed until the endpointer ends the turn (or the audio ends): (transcript, ended by silence)."""
    ended = False
    for offset in range(0, len(pcm), CHUNK):
        chunk = pcm[offset : offset + CHUNK]
        if clock is not None:
            clock.advance(len(chunk) / 32_000)
        events = await session.feed(chunk)
        if any(event.type is VadEventType.SPEECH_END for event in events):
            ended = True
            break
    return (await session.finish()).text, ended


def _start(services: Services, clock: AudioClock, **vad: int) -> StreamingSession:
    """A session as the voice pipeline starts one for a satellite: endpointing, the agent's judgement."""
    assert services.agent is not None
    service = _service(services, **vad)
    return service.start(FORMAT, "en", endpointing=True, clock=clock, turn=decisions(services, service.vad_settings))


def _service(services: Services, **vad: int) -> SpeechService:
    """The loaded models with other endpointing settings."""
    assert services.stt is not None
    settings = VadSettings(**vad)
    return SpeechService(services.stt.decoder, services.stt.vad, settings, 60, services.stt.end_of_turn)


async def test_a_pause_mid_sentence_waits_for_the_rest(services: Services, paused_timer: bytes) -> None:
    clock = AudioClock()
    session = _start(services, clock)
    text, ended = await _listen(session, paused_timer, clock)
    assert ended and "mid-sentence" in session.turn_verdicts
    assert "ten minutes" in normalise(text), text


async def test_without_the_judgement_the_same_pause_cuts_the_sentence(services: Services, paused_timer: bytes) -> None:
    # The control: plain 600 ms endpointing ends the turn in the thinking pause.
    clock = AudioClock()
    session = _start(services, clock, incomplete_turn_end_ms=0, complete_turn_end_ms=0)
    text, ended = await _listen(session, paused_timer, clock)
    assert ended and session.turn_verdicts == []
    assert "timer" in normalise(text) and "minutes" not in normalise(text), text


async def test_a_finished_question_ends_after_a_short_silence(services: Services) -> None:
    assert services.stt is not None
    if services.stt.end_of_turn is None:
        pytest.skip("the end-of-turn model is not unpacked here (scripts/setup.sh does it)")
    pcm = speak(0.4, "Who wrote Romeo and Juliet?", 1.5)
    clock = AudioClock()
    session = _start(services, clock)
    text, ended = await _listen(session, pcm, clock)
    assert ended and session.turn_verdicts == ["complete"]
    assert session.endpointer.end_after_ms == VadSettings().complete_turn_end_ms
    # The whole question was heard (tiny.en's 10 s first pass says "Romito", its 30 s decode "Romeo").
    assert normalise(text).startswith("who wrote") and "juliet" in normalise(text)


async def test_a_recording_sent_at_once_is_decoded_once_at_the_end(services: Services) -> None:
    assert services.stt is not None
    pcm = speak(0.4, "Add milk and eggs to the shopping list.", 0.7)
    session = services.stt.start(FORMAT, "en")  # as Wyoming asr; the wall clock is far behind the audio
    for offset in range(0, len(pcm), CHUNK):
        await session.feed(pcm[offset : offset + CHUNK])
    transcript = await session.finish()
    assert session.batch and not transcript.speculative and session.turn_verdicts == []
    assert "shopping list" in normalise(transcript.text)


async def test_the_same_audio_in_real_time_is_decoded_at_the_pause(services: Services) -> None:
    assert services.stt is not None
    pcm = speak(0.4, "Add milk and eggs to the shopping list.", 0.7)
    clock = AudioClock()
    session = services.stt.start(FORMAT, "en", clock=clock)
    for offset in range(0, len(pcm), CHUNK):
        clock.advance(CHUNK / 32_000)
        await session.feed(pcm[offset : offset + CHUNK])
    transcript = await session.finish()
    assert not session.batch and transcript.speculative
    assert "shopping list" in normalise(transcript.text)


def test_the_end_of_turn_model_reads_eight_seconds_of_features(services: Services) -> None:
    assert services.stt is not None
    if services.stt.end_of_turn is None:
        pytest.skip("the end-of-turn model is not unpacked here (scripts/setup.sh does it)")
    for seconds in (0.5, 8.0, 12.0):  # front-padded, exact, cut to the last 8 s
        probability = services.stt.end_of_turn.probability(np.zeros(int(16_000 * seconds), dtype=np.int16))
        assert 0.0 <= probability <= 1.0


async def test_a_silent_recording_sent_at_once_gives_no_transcript(services: Services) -> None:
    # A recording is decoded while the VAD scores it; the VAD still gates: no speech, no words.
    assert services.stt is not None
    session = services.stt.start(FORMAT, "en")
    noise = (np.random.default_rng(3).standard_normal(16_000 * 3) * 300).astype(np.int16).tobytes()
    for offset in range(0, len(noise), CHUNK):
        await session.feed(noise[offset : offset + CHUNK])
    transcript = await session.finish()
    assert session.batch and transcript.text == ""
