"""Room arbitration (pure): wake detections close together in time go to the best-placed satellite.

    offer("kitchen", score=0.97, snr_db=12, speech_dbfs=-41, t=0.00)  -> opens a window until t=0.20
    offer("hall",    score=0.95, snr_db=27, speech_dbfs=-27, t=0.05)  -> joins it
    decide()                                                          -> winner "hall", losers ["kitchen"]

Every room that hears the wake word clearly gives it a score of 0.94-0.99 (microWakeWord
saturates), so the score says little about which room the user is in. Aria's satellites also
send the word's speech level (dBFS) and its SNR over the room's recent noise floor
(``aria_satellite/level.py``). When every candidate of a window has them, the ranking is:

1. the highest SNR: the user is nearest to the microphone that hears the word cleanest; SNRs
   within ``SNR_TIE_DB`` of the best count as equal (one word's measurement varies that much);
2. among those, the highest speech level, within ``LEVEL_TIE_DB``;
3. then the highest score (3 decimals), then the earliest offer.

When any candidate lacks an SNR (an older satellite, the server-side wake word of a satellite
that streams all the time), the window falls back to the score, then loudness (dBFS of the
audio around the word), then the earliest: SNRs cannot be compared with what was not measured.
A detection after the window closed opens a new window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aria_wire.extensions import SNR_KEY, SPEECH_KEY

SNR_TIE_DB = 3.0
"""SNRs this close to the best count as equal (dB); the level decides between them."""
LEVEL_TIE_DB = 1.0
"""Speech levels this close to the best count as equal (dB); the score decides between them."""


@dataclass(frozen=True)
class Candidate:
    """One satellite's claim to a wake word."""

    name: str
    score: float
    loudness_db: float
    """dBFS of the audio around the word (the fallback ranking's tie-break)."""
    t: float
    """when the detection was seen, seconds on any monotonic clock."""
    snr_db: float | None = None
    """the word's level over the room's noise floor, dB; None from satellites that do not measure it."""
    speech_dbfs: float | None = None
    """the word's speech level, dBFS; None: ``loudness_db`` stands in."""

    @classmethod
    def from_context(cls, name: str, context: dict[str, Any], t: float) -> Candidate:
        """A satellite's ``detection`` context; absent or malformed measures are not measured."""
        score, loudness = _number(context, "score"), _number(context, "loudness_db")
        return cls(name, 0.0 if score is None else score, -120.0 if loudness is None else loudness, t,
                   snr_db=_number(context, SNR_KEY), speech_dbfs=_number(context, SPEECH_KEY))

    @property
    def level_db(self) -> float:
        """The speech level the ranking compares."""
        return self.speech_dbfs if self.speech_dbfs is not None else self.loudness_db


@dataclass
class Window:
    """Detections that belong together: those within ``length_s`` of the first."""

    opened: float
    length_s: float
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def closes(self) -> float:
        """When the window stops accepting candidates."""
        return self.opened + self.length_s

    def accepts(self, t: float) -> bool:
        """True when a detection at ``t`` belongs to this window."""
        return self.opened <= t < self.closes

    def winner(self) -> Candidate:
        """The best candidate: by SNR, then level, then score when all measured SNR (module docstring)."""
        if any(c.snr_db is None for c in self.candidates):
            return min(self.candidates, key=lambda c: (-round(c.score, 3), -c.loudness_db, c.t))
        pool = _near_best(self.candidates, lambda c: c.snr_db or 0.0, SNR_TIE_DB)
        pool = _near_best(pool, lambda c: c.level_db, LEVEL_TIE_DB)
        return min(pool, key=lambda c: (-round(c.score, 3), c.t))

    def losers(self) -> list[Candidate]:
        """Every candidate but the winner."""
        best = self.winner()
        return [c for c in self.candidates if c is not best]


def _number(context: dict[str, Any], key: str) -> float | None:
    value = context.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN is not a measure
        return None
    return float(value)


def _near_best(candidates: list[Candidate], measure: Callable[[Candidate], float], tie: float) -> list[Candidate]:
    """The candidates whose ``measure`` is within ``tie`` of the best (order kept)."""
    best = max(measure(c) for c in candidates)
    return [c for c in candidates if measure(c) >= best - tie]


class Arbiter:
    """Groups offers into windows; the caller decides each window once it has closed."""

    def __init__(self, window_s: float = 0.2) -> None:
        self.window_s = window_s
        self.current: Window | None = None

    def offer(self, candidate: Candidate) -> tuple[Window, bool]:
        """Add a candidate; returns its window and True when this offer opened it."""
        if self.current is not None and self.current.accepts(candidate.t):
            self.current.candidates.append(candidate)
            return self.current, False
        self.current = Window(candidate.t, self.window_s, [candidate])
        return self.current, True
