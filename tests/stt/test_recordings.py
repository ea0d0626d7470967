"""A recording sent faster than real time (Wyoming asr, the client ends the audio), on the real models.

- Its audio is not VAD-scored chunk by chunk: it waits until ``audio-stop``, is decoded whole, and the
  VAD only gates it (no speech: no transcript), scoring until it first hears speech.
- A stream whose client ends it shows within a quarter second whether it is live; a live one is then
  scored from its first frame, so its speech is found where a chunk-by-chunk scoring finds it.

The live case uses a clock that moves with the audio fed, so nothing depends on this machine's speed.
"""

from __future__ import annotations

import numpy as np

from aria_server.services import Services
from aria_server.settings import VadSettings
from aria_server.stt.session import TELL_LIVE_WITHIN_S
from aria_server.vad.endpointer import Endpointer
from aria_wire.audio import PcmFormat
from tests.conftest import AudioClock, normalise
from tests.stt.test_end_of_turn import speak

FORMAT = PcmFormat(16_000, 2, 1)
CHUNK = 512 * 2  # one 32 ms VAD frame of 16-bit audio


async def test_a_recording_whose_speech_starts_late_is_still_transcribed(services: Services) -> None:
    assert services.stt is not None
    pcm = speak(2.5, "Turn on the kitchen light.", 0.6)
    session = services.stt.start(FORMAT, "en")  # as Wyoming asr; the wall clock is far behind the audio
    for offset in range(0, len(pcm), CHUNK):
        assert await session.feed(pcm[offset : offset + CHUNK]) == []  # nothing is scored yet
    transcript = await session.finish()
    assert session.batch and not transcript.speculative
    assert "kitchen light" in normalise(transcript.text)


async def test_the_vad_scores_a_recording_only_until_its_first_speech(services: Services) -> None:
    # The VAD only gates a recording: once it heard speech, the rest cannot change the answer.
    assert services.stt is not None
    pcm = speak(0.4, "Add milk and eggs to the shopping list.", 0.7)
    session = services.stt.start(FORMAT, "en")
    for offset in range(0, len(pcm), CHUNK):
        await session.feed(pcm[offset : offset + CHUNK])
    transcript = await session.finish()
    assert session.endpointer.has_speech and "shopping list" in normalise(transcript.text)
    assert session.endpointer.frames_seen < len(pcm) // CHUNK


async def test_a_live_stream_is_scored_from_its_first_frame_once_it_shows_it_is_live(services: Services) -> None:
    assert services.stt is not None
    pcm = speak(0.05, "Add milk and eggs to the shopping list.", 0.7)
    clock = AudioClock()
    session = services.stt.start(FORMAT, "en", clock=clock)
    fed_s, events_by_then = 0.0, []
    for offset in range(0, len(pcm), CHUNK):
        clock.advance(CHUNK / 32_000)
        events = await session.feed(pcm[offset : offset + CHUNK])
        fed_s += CHUNK / 32_000
        if fed_s <= TELL_LIVE_WITHIN_S:
            events_by_then.extend(events)
    transcript = await session.finish()
    assert events_by_then == []  # the first quarter second waited to be scored
    assert not session.batch and transcript.speculative  # then it was live: decoded at the pause
    # The same frames as scoring every chunk as it came.
    vad = services.stt.vad.session()
    reference = Endpointer(VadSettings())
    reference.feed(vad.probabilities(np.frombuffer(pcm, dtype=np.int16)))
    vad.close()
    assert session.endpointer.first_speech_frame == reference.first_speech_frame is not None
    assert session.endpointer.last_speech_frame == reference.last_speech_frame
    assert "shopping list" in normalise(transcript.text)
