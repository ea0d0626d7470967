"""Small PCM helpers of the satellite: WAV reading, resampling, loudness and generated sounds."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import soxr

from aria_wire.audio import PcmFormat, ToModelFormat

from .settings import MIC_RATE


def read_wav_16k(path: Path) -> bytes:
    """A WAV file's audio as 16 kHz mono 16-bit PCM (any input rate, width or channel count)."""
    with wave.open(str(path), "rb") as wav:
        fmt = PcmFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
        pcm = wav.readframes(wav.getnframes())
    return ToModelFormat(fmt).convert(pcm, last=True).tobytes()


class Resampler:
    """Streaming mono int16 resampler from one rate to another (identity when equal)."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = (
            None if from_rate == to_rate else soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16", quality="HQ")
        )

    def convert(self, pcm: bytes, last: bool = False) -> bytes:
        """Resample one chunk; ``last`` flushes the filter."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16)
        if self._stream is None:
            return samples.tobytes()
        return np.asarray(self._stream.resample_chunk(samples, last=last), dtype=np.int16).tobytes()


def tone(rate: int, notes: list[tuple[float, float]], volume: float = 0.3) -> bytes:
    """Sine notes ``(hz, seconds)`` with short fades, as mono 16-bit PCM at ``rate``."""
    parts = []
    for hz, seconds in notes:
        t = np.arange(int(rate * seconds)) / rate
        wave_ = np.sin(2 * np.pi * hz * t) * volume
        fade = min(len(t) // 4, int(rate * 0.01))
        if fade:
            ramp = np.linspace(0.0, 1.0, fade)
            wave_[:fade] *= ramp
            wave_[-fade:] *= ramp[::-1]
        parts.append(wave_)
    return (np.concatenate(parts) * 32767).astype(np.int16).tobytes()


def awake_chime(rate: int) -> bytes:
    """Two rising notes played when the wake word is heard (about 0.15 s)."""
    return tone(rate, [(880.0, 0.07), (1320.0, 0.08)])


def timer_ring(rate: int) -> bytes:
    """Three double beeps played when a timer finishes (about 1.6 s)."""
    beep = [(1046.5, 0.12), (0.0, 0.06), (1046.5, 0.12), (0.0, 0.25)]
    return tone(rate, beep * 3)


SILENCE_FRAME_16K = bytes(2 * 512)
"""One 32 ms frame of silence at 16 kHz."""


def mic_seconds(byte_count: int) -> float:
    """Duration of 16 kHz mono 16-bit audio."""
    return byte_count / (2 * MIC_RATE)
