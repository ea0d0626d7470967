"""Room arbitration windows (pure)."""

from __future__ import annotations

from aria_server.satellites.arbitration import Arbiter, Candidate


def test_highest_score_wins_within_the_window() -> None:
    arbiter = Arbiter(0.2)
    kitchen = Candidate("kitchen", 0.91, -30.0, 10.00)
    hall = Candidate("hall", 0.97, -35.0, 10.05)
    window, opened = arbiter.offer(kitchen)
    assert opened
    same, opened = arbiter.offer(hall)
    assert same is window and not opened
    assert window.winner() is hall and window.losers() == [kitchen]


def test_loudness_breaks_a_tie_then_the_earliest() -> None:
    arbiter = Arbiter(0.2)
    quiet = Candidate("quiet", 0.9, -40.0, 1.0)
    loud = Candidate("loud", 0.9, -20.0, 1.1)
    window, _ = arbiter.offer(quiet)
    arbiter.offer(loud)
    assert window.winner() is loud
    first = Candidate("first", 0.5, -30.0, 5.0)
    second = Candidate("second", 0.5, -30.0, 5.1)
    window, _ = arbiter.offer(first)
    arbiter.offer(second)
    assert window.winner() is first


def test_a_detection_after_the_window_opens_a_new_one() -> None:
    arbiter = Arbiter(0.2)
    early, _ = arbiter.offer(Candidate("a", 0.9, -30.0, 1.0))
    late, opened = arbiter.offer(Candidate("b", 0.99, -30.0, 1.2))
    assert opened and late is not early
    assert early.winner().name == "a" and late.winner().name == "b"
