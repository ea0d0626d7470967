"""Room arbitration (pure): wake detections close together in time go to the best-placed satellite.

    offer("kitchen", score=0.91, loudness=-30, t=0.00)   -> opens a window until t=0.20
    offer("hall",    score=0.97, loudness=-35, t=0.05)   -> joins it
    decide()                                              -> winner "hall", losers ["kitchen"]

The highest wake score wins; loudness (dBFS of the audio around the wake word) breaks a tie;
then the earliest offer. A detection after the window closed opens a new window.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """One satellite's claim to a wake word."""

    name: str
    score: float
    loudness_db: float
    t: float
    """when the detection was seen, seconds on any monotonic clock."""


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
        """The best candidate: highest score, then loudest, then earliest."""
        return min(self.candidates, key=lambda c: (-round(c.score, 3), -c.loudness_db, c.t))

    def losers(self) -> list[Candidate]:
        """Every candidate but the winner."""
        best = self.winner()
        return [c for c in self.candidates if c is not best]


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
