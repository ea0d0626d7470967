"""Turns per-frame speech probabilities into speech segments and end-of-speech moments.

Pure bookkeeping in frame units, so it is tested without audio:

    frames:  . . S S S S . . . . . . . . .
    events:      ^start    ^pause(speculate_after)   ^end(end_of_speech)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..settings import VadSettings
from .base import FRAME_MS


class VadEventType(StrEnum):
    """What the endpointer noticed."""

    SPEECH_START = "speech-start"
    PAUSE = "pause"
    """Enough silence after speech to start a speculative decode."""
    SPEECH_RESUMED = "speech-resumed"
    """Speech again after a pause: speculative work is stale."""
    SPEECH_END = "speech-end"
    """Enough silence to end the turn."""


@dataclass(frozen=True)
class VadEvent:
    """An endpointer event at a frame index (frame 0 starts at sample 0)."""

    type: VadEventType
    frame: int


@dataclass
class Endpointer:
    """Stateful per-stream endpointing over VAD probabilities."""

    settings: VadSettings
    frames_seen: int = 0
    first_speech_frame: int | None = None
    last_speech_frame: int | None = None
    end_after_ms: int | None = None
    """This pause's end-of-speech silence, when the end-of-turn judgement changed it (ms); back to
    ``settings.end_of_speech_ms`` when speech resumes."""
    _run_start: int | None = None
    _paused: bool = False
    _ended: bool = False
    events: list[VadEvent] = field(default_factory=list)

    @property
    def _min_speech_frames(self) -> int:
        return max(1, self.settings.min_speech_ms // FRAME_MS)

    @property
    def has_speech(self) -> bool:
        """True once a run of speech at least min_speech_ms long was seen."""
        return self.first_speech_frame is not None

    def silence_ms(self) -> int:
        """Silence since the last speech frame, ms (0 before any speech)."""
        if self.last_speech_frame is None:
            return 0
        return (self.frames_seen - 1 - self.last_speech_frame) * FRAME_MS

    def feed(self, probabilities: list[float]) -> list[VadEvent]:
        """Advance by one probability per frame; return the events these frames caused."""
        new: list[VadEvent] = []
        for probability in probabilities:
            frame = self.frames_seen
            self.frames_seen += 1
            if probability >= self.settings.threshold:
                self._on_speech(frame, new)
            else:
                self._run_start = None
                self._on_silence(new)
        self.events.extend(new)
        return new

    def _on_speech(self, frame: int, new: list[VadEvent]) -> None:
        if self._run_start is None:
            self._run_start = frame
        if frame - self._run_start + 1 < self._min_speech_frames:
            return
        if self.first_speech_frame is None:
            self.first_speech_frame = self._run_start
            new.append(VadEvent(VadEventType.SPEECH_START, self._run_start))
        elif self._paused or self._ended:
            new.append(VadEvent(VadEventType.SPEECH_RESUMED, frame))
        self._paused = self._ended = False
        self.end_after_ms = None
        self.last_speech_frame = frame

    def _on_silence(self, new: list[VadEvent]) -> None:
        if self.last_speech_frame is None:
            return
        silence = self.silence_ms()
        if not self._paused and silence >= self.settings.speculate_after_ms:
            self._paused = True
            new.append(VadEvent(VadEventType.PAUSE, self.frames_seen - 1))
        end_ms = self.settings.end_of_speech_ms if self.end_after_ms is None else self.end_after_ms
        if not self._ended and silence >= end_ms:
            self._ended = True
            new.append(VadEvent(VadEventType.SPEECH_END, self.frames_seen - 1))
