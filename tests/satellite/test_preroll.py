"""The pre-roll ring keeps the newest frames, oldest first."""

from __future__ import annotations

from aria_satellite.preroll import PreRoll


def test_keeps_the_last_frames_in_order() -> None:
    ring = PreRoll(2)
    for frame in (b"1", b"2", b"3"):
        ring.push(frame)
    assert ring.frames() == [b"2", b"3"]
    assert len(ring) == 2


def test_last_n_and_clear() -> None:
    ring = PreRoll(5)
    for frame in (b"a", b"b", b"c"):
        ring.push(frame)
    assert ring.frames(2) == [b"b", b"c"]
    assert ring.frames(0) == []
    assert ring.frames(10) == [b"a", b"b", b"c"]
    ring.clear()
    assert ring.frames() == []


def test_zero_capacity_keeps_nothing() -> None:
    ring = PreRoll(0)
    ring.push(b"x")
    assert ring.frames() == []
