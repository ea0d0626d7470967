"""How loud and how clean the wake word was: speech level (dBFS) and SNR (dB) at the detection.

The server arbitrates between rooms that heard the same wake word. microWakeWord's scores
saturate (0.94-0.99 wherever the word is clearly heard), so the score cannot say which room is
nearer; the speech level and its margin over the room's noise can. ``LevelMeter`` keeps the
power of every recent microphone frame (echo removed), and at a detection:

    speech  = mean power of the louder half of the frames of the last ``speech_ms`` (the word)
    noise   = ``NOISE_PERCENTILE``-th percentile of the frames before that window (the floor)
    snr     = speech - noise

    frames: 2 s of -55 dBFS noise, then "Okay Nabu" at about -26 dBFS
    at_wake() -> WakeLevel(speech_dbfs=-26.1, noise_dbfs=-55.3, snr_db=29.2)

The louder half of the window, not all of it: the window holds the word and a little silence
around it, and how much silence depends on when the detector fired. The noise percentile rather
than the minimum: one quiet frame is not the room's floor. Digital silence (a test feeder, a
muted microphone) counts as ``FLOOR_DBFS``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from aria_wire.extensions import SNR_KEY, SPEECH_KEY

from .settings import FRAME_MS

FLOOR_DBFS = -100.0
"""Level of digital silence (and the lowest level reported)."""
NOISE_PERCENTILE = 20.0
"""Percentile of the frames before the word taken as the noise floor."""


@dataclass(frozen=True)
class WakeLevel:
    """The wake word's level and its margin over the noise before it."""

    speech_dbfs: float
    noise_dbfs: float
    snr_db: float

    def context(self) -> dict[str, float]:
        """The keys sent in the ``detection`` event's context (0.1 dB is finer than rooms differ)."""
        return {SPEECH_KEY: round(self.speech_dbfs, 1), SNR_KEY: round(self.snr_db, 1)}


def _dbfs(power: float) -> float:
    return max(FLOOR_DBFS, 10.0 * float(np.log10(power))) if power > 0 else FLOOR_DBFS


class LevelMeter:
    """Recent frame powers of one microphone; ``at_wake`` measures the word just detected."""

    def __init__(self, speech_ms: int = 1000, history_ms: int = 4000) -> None:
        self.speech_frames = max(1, speech_ms // FRAME_MS)
        self._powers: deque[float] = deque(maxlen=max(self.speech_frames + 1, history_ms // FRAME_MS))

    def push(self, pcm: bytes) -> None:
        """One frame (16-bit mono), oldest first."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16).astype(np.float64) / 32768.0
        self._powers.append(float(np.mean(samples * samples)) if len(samples) else 0.0)

    def clear(self) -> None:
        """Forget the history (a new microphone session)."""
        self._powers.clear()

    def at_wake(self) -> WakeLevel | None:
        """Level and SNR of the last ``speech_ms``; None before any frame."""
        powers = np.asarray(self._powers, dtype=np.float64)
        if not len(powers):
            return None
        window = np.sort(powers[-self.speech_frames :])
        speech = float(np.mean(window[len(window) // 2 :]))
        before = powers[: -self.speech_frames]
        # With no history yet (a word right after start-up), the window's quiet half is the best floor we have.
        noise_frames = before if len(before) else window[: max(1, len(window) // 2)]
        noise = float(np.percentile(noise_frames, NOISE_PERCENTILE))
        speech_db, noise_db = _dbfs(speech), _dbfs(noise)
        return WakeLevel(speech_db, noise_db, speech_db - noise_db)
