"""What a satellite streams for a turn is what its microphone heard: each sample once, in order.

A real ``aria-satellite`` hears a WAV (``--mic-file``) and is run by a stand-in server (the
official ``wyoming`` client) that keeps every audio chunk of the turn. The satellite sends its
echo canceller's output, not the raw microphone (the WebRTC module high-passes it even when
nothing plays), so the expected stream is the same file through a fresh ``WebRtcEchoCanceller``
frame by frame (nothing was played: its far end is silence). The turn's audio must be one
unbroken stretch of that, starting at a frame boundary: no frame twice (pre-roll and live audio
overlapping), none left out, none reordered.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk

from aria_bench.clips import PAUSED_MANIFEST, read_pcm16k
from aria_satellite.echo import WebRtcEchoCanceller
from aria_satellite.settings import FRAME_BYTES, FRAME_SAMPLES
from aria_wire.extensions import aria_run_satellite
from tests.satellites.harness import SatelliteProcess, wait_until

from .conftest import HouseServer

CLIP = PAUSED_MANIFEST.parent / "set_a_timer_for_ten_minutes-paused-espeak-us.wav"
LEAD_IN_S = 1.5
"""Silence before the speech: longer than the pre-roll, so the turn starts inside the file."""
FRAME_S = FRAME_SAMPLES / 16_000


def _echo_cancelled(pcm: bytes) -> np.ndarray:
    """``pcm`` as the satellite's echo canceller gives it back, frame by frame, with nothing playing."""
    canceller = WebRtcEchoCanceller()
    t0_ns = 10**12
    out = [
        canceller.process(pcm[i : i + FRAME_BYTES], t0_ns + int((i // FRAME_BYTES + 1) * FRAME_S * 1e9))[0]
        for i in range(0, len(pcm) - len(pcm) % FRAME_BYTES, FRAME_BYTES)
    ]
    return np.frombuffer(b"".join(out), np.int16)


async def test_the_turn_streams_each_microphone_sample_once_in_order(tmp_path: Path) -> None:
    speech = read_pcm16k(CLIP)
    heard = bytes(int(LEAD_IN_S * 16_000) * 2) + speech + bytes(2 * 16_000 * 2)
    mic = tmp_path / "mic.wav"
    with wave.open(str(mic), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(heard)
    satellite = await SatelliteProcess.start(
        tmp_path, "hall", "--wake-word", "none", "--mic-file", str(mic), "--snd-file", str(tmp_path / "hall.wav")
    )
    try:
        async with HouseServer(satellite.port) as server:
            await server.send(aria_run_satellite())
            start = await server.wait_for("audio-start")
            first = await satellite.wait_event(lambda e: e["event"] == "streaming-started")
            # The whole clip (with the pre-roll before it) and some silence, then the server ends the turn.
            wanted = int((len(speech) / 32_000 + 1.2) / FRAME_S)
            await wait_until(
                lambda: sum(e.type == "audio-chunk" for e in server.received) >= wanted, what="the turn's audio"
            )
            await server.send(Transcript(text="set a timer for ten minutes").event())
            await satellite.wait_event(lambda e: e["event"] == "streaming-stopped")
            begun = server.received.index(start)
            chunks = [AudioChunk.from_event(e).audio for e in server.received[begun:] if e.type == "audio-chunk"]
    finally:
        await satellite.stop()
    assert first["reason"] == "speech"
    sent = np.frombuffer(b"".join(chunks), np.int16)
    expected = _echo_cancelled(heard)
    offsets = [
        frame for frame in range(len(expected) // FRAME_SAMPLES)
        if np.array_equal(expected[frame * FRAME_SAMPLES : frame * FRAME_SAMPLES + len(sent)], sent)
    ]
    assert len(offsets) == 1, "the turn's audio is not one unbroken stretch of what the microphone heard"
    start_s = offsets[0] * FRAME_S
    assert 0 < start_s < LEAD_IN_S  # the pre-roll reaches back before the speech, not to the file's start
    assert start_s + len(sent) / 16_000 > LEAD_IN_S + len(speech) / 32_000  # every word of the clip is in it
