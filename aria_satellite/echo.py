"""Removes the satellite's own playback from its microphone (a one-tap echo canceller).

The player reports every piece it plays with its start time (``add_reference``); for each
microphone frame, ``process`` finds the delay (0 to ``max_delay_ms``) at which the played audio
best explains the frame, subtracts it scaled, and reports how much of the frame's energy was
echo. The residual is what goes to the server for STT (so chimes never reach it) and what the
barge-in VAD listens to (so the reply does not interrupt itself).

One tap models a direct path (a loopback, a speaker next to the mic), not a reverberant room;
the barge-in rule therefore also requires most of the frame's energy to be unexplained.
"""

from __future__ import annotations

import threading

import numpy as np
import soxr

from .settings import MIC_RATE


class EchoCanceller:
    """Reference history on the monotonic clock, and per-frame cancellation."""

    def __init__(self, max_delay_ms: int = 300, history_s: float = 3.0) -> None:
        self.max_delay = max_delay_ms * MIC_RATE // 1000
        self._size = int(history_s * MIC_RATE)
        self._ring = np.zeros(self._size, dtype=np.float32)
        self._newest = -1
        """Absolute sample index (16 kHz ticks of the monotonic clock) of the newest reference sample."""
        # The player adds references on the loop while frames are processed in a worker thread.
        self._lock = threading.Lock()

    @staticmethod
    def _index(t_ns: int) -> int:
        return t_ns * MIC_RATE // 1_000_000_000

    def add_reference(self, pcm: bytes, rate: int, start_t_ns: int) -> None:
        """Audio (mono 16-bit at ``rate``) that the speaker plays from ``start_t_ns``."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16).astype(np.float32) / 32768.0
        if rate != MIC_RATE:
            samples = soxr.resample(samples, rate, MIC_RATE).astype(np.float32)
        start = self._index(start_t_ns)
        with self._lock:
            self._store(samples, start)

    def _store(self, samples: np.ndarray, start: int) -> None:
        if self._newest >= 0 and start - self._newest > self._size:
            self._ring[:] = 0.0
        if self._newest >= 0 and start > self._newest + 1:  # silence in the gap since the last piece
            gap = np.arange(self._newest + 1, min(start, self._newest + 1 + self._size))
            self._ring[gap % self._size] = 0.0
        positions = (start + np.arange(len(samples))) % self._size
        self._ring[positions] = samples
        self._newest = max(self._newest, start + len(samples) - 1)

    def _reference(self, first: int, count: int) -> np.ndarray:
        indices = first + np.arange(count)
        out = self._ring[indices % self._size].copy()
        out[(indices > self._newest) | (indices <= self._newest - self._size)] = 0.0
        return out

    def process(self, frame: bytes, t_ns: int) -> tuple[bytes, float]:
        """(residual frame, share of the frame's energy that was echo, 0-1) for a frame ending at ``t_ns``."""
        mic = np.frombuffer(frame, dtype=np.int16).astype(np.float32) / 32768.0
        n = len(mic)
        end = self._index(t_ns)
        first = end - n + 1 - self.max_delay
        with self._lock:
            if self._newest < first:
                return frame, 0.0
            reference = self._reference(first, n + self.max_delay)
        mic_energy = float(np.dot(mic, mic))
        if mic_energy < 1e-9 or float(np.dot(reference, reference)) < 1e-9:
            return frame, 0.0
        size = 1 << int(np.ceil(np.log2(len(reference) + n)))
        correlation = np.fft.irfft(np.fft.rfft(reference, size) * np.conj(np.fft.rfft(mic, size)), size)
        correlation = correlation[: self.max_delay + 1]
        squares = np.concatenate([[0.0], np.cumsum(reference.astype(np.float64) ** 2)])
        window_energy = squares[n : n + self.max_delay + 1] - squares[: self.max_delay + 1]
        explained = np.where(window_energy > 1e-9, correlation**2 / np.maximum(window_energy, 1e-9), 0.0)
        best = int(np.argmax(explained))
        if explained[best] <= 0.0:
            return frame, 0.0
        gain = correlation[best] / window_energy[best]
        residual = mic - gain * reference[best : best + n]
        share = float(min(1.0, explained[best] / mic_energy))
        pcm = (np.clip(residual, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()
        return pcm, share
