"""A fixed-size ring of the most recent microphone frames (pure; no audio I/O).

    push(f1) push(f2) push(f3)   with capacity 2  ->  frames() == [f2, f3]

When a turn starts, the ring's frames are sent before live audio, so the first word (spoken
while the wake word or the VAD was still deciding) is never clipped.
"""

from __future__ import annotations

from collections import deque


class PreRoll:
    """The last ``capacity`` frames pushed."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(0, capacity)
        self._frames: deque[bytes] = deque(maxlen=self.capacity or 1)

    def push(self, frame: bytes) -> None:
        """Remember a frame, forgetting the oldest when full."""
        if self.capacity:
            self._frames.append(frame)

    def frames(self, last: int | None = None) -> list[bytes]:
        """The remembered frames, oldest first (only the newest ``last`` when given)."""
        frames = list(self._frames)
        if last is not None:
            frames = frames[-last:] if last > 0 else []
        return frames

    def clear(self) -> None:
        """Forget everything."""
        self._frames.clear()

    def __len__(self) -> int:
        return len(self._frames)
