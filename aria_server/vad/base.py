"""The VAD stage: a shared model hands out per-stream sessions of speech probabilities."""

from __future__ import annotations

from typing import Protocol

import numpy as np

FRAME_SAMPLES = 512
"""Samples per VAD frame at 16 kHz (32 ms)."""
FRAME_MS = FRAME_SAMPLES * 1000 // 16_000


class VadSession(Protocol):
    """Speech probabilities of one audio stream; blocking, so callers run it off the loop."""

    def probabilities(self, samples: np.ndarray) -> list[float]:
        """Feed 16 kHz mono int16 samples; return one probability per completed 32 ms frame."""
        ...

    def close(self) -> None:
        """Give the session's model state back; the session is unusable afterwards."""
        ...


class VoiceActivityDetector(Protocol):
    """A loaded VAD model."""

    def session(self) -> VadSession:
        """A fresh session with reset state."""
        ...
