"""The TTS stage: an engine turns one piece of text into audio; the service streams pieces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class VoiceInfo:
    """An installed voice."""

    name: str
    languages: tuple[str, ...]
    description: str
    path: str


@dataclass(frozen=True)
class SpeechAudio:
    """Audio of one piece of text: 16-bit mono PCM."""

    pcm: bytes
    rate: int
    text: str
    width: int = 2
    channels: int = 1
    ready_t_ns: int | None = None
    """Monotonic ns at which the piece's text was complete, before its synthesis began (a turn's
    per-clause timing, ``clause_t_ns``); None where the text came whole."""

    @property
    def seconds(self) -> float:
        """Duration of the audio."""
        return len(self.pcm) / (self.rate * self.width * self.channels)


class TtsEngine(Protocol):
    """A loaded TTS model. ``synthesize_piece`` blocks: the service runs it in the TTS executor."""

    name: str
    sample_rate: int
    voice: VoiceInfo

    def synthesize_piece(self, text: str) -> np.ndarray:
        """One clause or sentence -> mono int16 samples at ``sample_rate``."""
        ...

    def warm_up(self) -> None:
        """Called once at load, so the first real request does not pay for lazy initialisation."""
        ...
