"""PCM formats and conversion to the 16 kHz mono int16 that the VAD and Whisper need."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import soxr

from .errors import AudioFormatError

MODEL_RATE = 16_000
"""Sample rate of the VAD and STT models, Hz."""

_WIDTH_DTYPES = {1: np.uint8, 2: np.int16, 4: np.int32}


@dataclass(frozen=True)
class PcmFormat:
    """Raw little-endian PCM: samples per second, bytes per sample, interleaved channels."""

    rate: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        if not 4_000 <= self.rate <= 192_000:
            raise AudioFormatError(f"sample rate {self.rate} Hz is outside 4000-192000 Hz")
        if self.width not in _WIDTH_DTYPES:
            raise AudioFormatError(f"sample width {self.width} bytes is not 1, 2 or 4")
        if not 1 <= self.channels <= 8:
            raise AudioFormatError(f"{self.channels} channels is outside 1-8")

    @property
    def bytes_per_frame(self) -> int:
        """Bytes of one sample across all channels."""
        return self.width * self.channels

    def seconds(self, byte_count: int) -> float:
        """Duration of ``byte_count`` bytes of this format."""
        return byte_count / (self.rate * self.bytes_per_frame)


MODEL_FORMAT = PcmFormat(MODEL_RATE, 2, 1)


def _to_float_mono(pcm: bytes, fmt: PcmFormat) -> np.ndarray:
    usable = len(pcm) - len(pcm) % fmt.bytes_per_frame
    samples = np.frombuffer(pcm[:usable], dtype=_WIDTH_DTYPES[fmt.width]).astype(np.float32)
    if fmt.width == 1:
        samples = (samples - 128.0) / 128.0
    else:
        samples /= float(2 ** (8 * fmt.width - 1))
    if fmt.channels > 1:
        samples = samples.reshape(-1, fmt.channels).mean(axis=1)
    return samples


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    """[-1, 1] floats to int16 PCM, clipping."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


class ToModelFormat:
    """Streaming converter from any PcmFormat to 16 kHz mono int16 (soxr keeps filter state).

    Chunks may split frames anywhere; the remainder is kept for the next chunk.
    """

    def __init__(self, fmt: PcmFormat) -> None:
        self.fmt = fmt
        self._tail = b""
        self._resampler = (
            None if fmt.rate == MODEL_RATE else soxr.ResampleStream(fmt.rate, MODEL_RATE, 1, dtype="float32", quality="HQ")
        )

    def convert(self, pcm: bytes, last: bool = False) -> np.ndarray:
        """Convert one chunk; ``last`` flushes the resampler."""
        data = self._tail + pcm
        usable = len(data) - len(data) % self.fmt.bytes_per_frame
        self._tail = data[usable:]
        if self.fmt == MODEL_FORMAT:
            return np.frombuffer(data[:usable], dtype=np.int16).copy()
        mono = _to_float_mono(data[:usable], self.fmt)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono, last=last)
        return float_to_int16(mono)


def resample_int16(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a whole mono int16 array (for output formats a client asks for)."""
    if from_rate == to_rate:
        return samples
    out = soxr.resample(samples.astype(np.float32) / 32768.0, from_rate, to_rate, quality="HQ")
    return float_to_int16(out)


def loudness_dbfs(pcm: bytes) -> float:
    """RMS level of 16-bit PCM in dB relative to full scale (-120 for silence)."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16).astype(np.float32)
    if not len(samples):
        return -120.0
    rms = float(np.sqrt(np.mean(samples * samples))) / 32768.0
    return 20.0 * math.log10(rms) if rms > 1e-6 else -120.0
