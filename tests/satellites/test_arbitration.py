"""Room arbitration windows (pure)."""

from __future__ import annotations

import pytest

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


# name, score, loudness_db, snr_db, speech_dbfs (None: an older satellite that does not send them)
RANKING = [
    # saturated scores: the cleaner room wins whatever its score
    ([("kitchen", 0.99, -30.0, 12.0, -41.0), ("hall", 0.95, -28.0, 27.0, -27.0)], "hall"),
    # SNRs within 3 dB are equal: the louder speech wins
    ([("kitchen", 0.97, -30.0, 25.0, -35.0), ("hall", 0.95, -30.0, 23.5, -25.0)], "hall"),
    # SNR and level equal: the score decides
    ([("kitchen", 0.951, -30.0, 20.0, -30.0), ("hall", 0.984, -30.0, 21.0, -30.5)], "hall"),
    # all equal: the earliest
    ([("kitchen", 0.97, -30.0, 20.0, -30.0), ("hall", 0.97, -30.0, 20.0, -30.0)], "kitchen"),
    # three rooms: the best SNR among them, not the best score or the loudest
    ([("a", 0.99, -20.0, 8.0, -20.0), ("b", 0.95, -31.0, 30.0, -31.0), ("c", 0.97, -25.0, 18.0, -25.0)], "b"),
    # an older satellite in the window: score, then loudness, as before
    ([("old", 0.99, -40.0, None, None), ("new", 0.95, -20.0, 30.0, -20.0)], "old"),
    ([("old", 0.95, -40.0, None, None), ("new", 0.95, -20.0, 30.0, -20.0)], "new"),
    # no speech level sent: loudness stands in for it
    ([("kitchen", 0.97, -35.0, 20.0, None), ("hall", 0.96, -25.0, 19.0, None)], "hall"),
]


@pytest.mark.parametrize(("offers", "expected"), RANKING)
def test_a_window_ranks_by_snr_then_level_then_score(
    offers: list[tuple[str, float, float, float | None, float | None]], expected: str
) -> None:
    arbiter = Arbiter(0.2)
    window = None
    for k, (name, score, loudness, snr, speech) in enumerate(offers):
        window, _ = arbiter.offer(Candidate(name, score, loudness, 10.0 + 0.01 * k, snr_db=snr, speech_dbfs=speech))
    assert window is not None and len(window.candidates) == len(offers)
    assert window.winner().name == expected
    assert sorted(c.name for c in window.losers()) == sorted(o[0] for o in offers if o[0] != expected)


def test_a_detection_context_becomes_a_candidate_and_odd_values_are_not_measures() -> None:
    full = Candidate.from_context("hall", {"score": 0.96, "loudness_db": 0, "snr_db": 24.5, "speech_dbfs": -27.0}, 3.0)
    assert (full.score, full.loudness_db, full.snr_db, full.speech_dbfs, full.level_db) == (0.96, 0.0, 24.5, -27.0, -27.0)
    older = Candidate.from_context("attic", {"score": 0.9, "loudness_db": -33.0}, 3.0)
    assert older.snr_db is None and older.level_db == -33.0
    odd = Candidate.from_context("den", {"snr_db": "loud", "speech_dbfs": float("nan"), "score": True}, 3.0)
    assert (odd.score, odd.loudness_db, odd.snr_db, odd.speech_dbfs) == (0.0, -120.0, None, None)
