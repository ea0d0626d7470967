"""STT sessions on the real tiny.en model: transcripts, gating of non-speech, speculation."""

from __future__ import annotations

import numpy as np

from aria_server.services import Services
from aria_wire.audio import PcmFormat
from tests.conftest import AudioClock, normalise, read_wav

CHUNK_SECONDS = 0.032


async def _transcribe(services: Services, pcm: bytes, fmt: PcmFormat, trailing_silence_s: float = 0.0):  # type: ignore[no-untyped-def]
    """Fed as a live microphone: the session's clock moves with the audio."""
    assert services.stt is not None
    clock = AudioClock()
    session = services.stt.start(fmt, clock=clock)
    step = int(fmt.rate * CHUNK_SECONDS) * fmt.bytes_per_frame
    silence = bytes(int(fmt.rate * trailing_silence_s) * fmt.bytes_per_frame)
    for data in (pcm, silence):
        for offset in range(0, len(data), step):
            clock.advance(CHUNK_SECONDS)
            await session.feed(data[offset : offset + step])
    return await session.finish()


async def test_transcribes_16k_speech(services: Services) -> None:
    pcm, rate, width, channels = read_wav("turn_on_the_lamp")
    transcript = await _transcribe(services, pcm, PcmFormat(rate, width, channels))
    # tiny.en sometimes hears "lap" for "lamp"; the rest of the sentence is stable.
    text = normalise(transcript.text)
    assert text.startswith("turn on the la")
    assert text.endswith("in the living room")


async def test_transcribes_44k_stereo_speech(services: Services) -> None:
    pcm, rate, width, channels = read_wav("what_time_is_it_44k_stereo")
    assert (rate, channels) == (44_100, 2)
    transcript = await _transcribe(services, pcm, PcmFormat(rate, width, channels))
    assert normalise(transcript.text) == "what time is it"


async def test_silence_gives_an_empty_transcript(services: Services) -> None:
    transcript = await _transcribe(services, bytes(16_000 * 2 * 2), PcmFormat(16_000, 2, 1))
    assert transcript.text == ""
    assert "decode" not in transcript.timings_ms  # Whisper never ran


async def test_noise_gives_an_empty_transcript(services: Services) -> None:
    noise = (np.random.default_rng(1).standard_normal(16_000 * 2) * 2_000).astype(np.int16)
    transcript = await _transcribe(services, noise.tobytes(), PcmFormat(16_000, 2, 1))
    assert transcript.text == ""


async def test_trailing_silence_answers_from_the_speculative_decode(services: Services) -> None:
    pcm, rate, width, channels = read_wav("set_a_timer")
    transcript = await _transcribe(services, pcm, PcmFormat(rate, width, channels), trailing_silence_s=0.6)
    assert transcript.speculative
    assert "timer" in normalise(transcript.text)


async def test_audio_ending_right_after_speech_is_still_transcribed(services: Services) -> None:
    pcm, rate, width, channels = read_wav("set_a_timer")
    transcript = await _transcribe(services, pcm, PcmFormat(rate, width, channels))
    assert "five minutes" in normalise(transcript.text)


async def test_the_quick_first_pass_hears_a_short_command(services: Services) -> None:
    assert services.stt is not None
    pcm, rate, _, _ = read_wav("set_a_timer")
    assert rate == 16_000
    heard = services.stt.decoder.decode_fitted(np.frombuffer(pcm, dtype=np.int16), "en", min_window_s=10)
    assert heard is not None and "timer" in normalise(heard.text) and heard.avg_logprob > -1
