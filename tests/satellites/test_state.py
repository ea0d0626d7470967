"""The server's state machine of one satellite: the transitions a turn takes, and the ones it may not."""

from __future__ import annotations

import pytest

from aria_server.satellites.state import TRANSITIONS, InvalidTransition, SatelliteState, SatelliteStatus

S = SatelliteState


def status() -> SatelliteStatus:
    return SatelliteStatus(name="kitchen", address="tcp://127.0.0.1:1", source="static")


def test_a_voice_turn_and_an_announcement_follow_the_table() -> None:
    satellite = status()
    steps = [
        (S.IDLE, "connected"), (S.LISTENING, "wake"), (S.THINKING, "transcript"), (S.SPEAKING, "reply"),
        (S.LISTENING, "barge-in"), (S.THINKING, "transcript"), (S.IDLE, "turn ended"),
        (S.SPEAKING, "announcement"), (S.IDLE, "turn ended"), (S.DISCONNECTED, "connection closed"),
    ]
    for state, reason in steps:
        assert satellite.to(state, reason)
        assert satellite.snapshot()["state"] == str(state)
    assert not satellite.connected


def test_staying_put_is_allowed_and_reports_no_change() -> None:
    satellite = status()
    satellite.to(S.IDLE, "connected")
    satellite.to(S.LISTENING, "wake")
    assert satellite.to(S.LISTENING, "barge-in") is False


@pytest.mark.parametrize(
    ("start", "target"),
    [(S.DISCONNECTED, S.LISTENING), (S.DISCONNECTED, S.SPEAKING), (S.IDLE, S.THINKING), (S.SPEAKING, S.THINKING)],
)
def test_moves_the_table_forbids_raise(start: SatelliteState, target: SatelliteState) -> None:
    satellite = status()
    satellite.state = start
    with pytest.raises(InvalidTransition):
        satellite.to(target, "bug")
    assert satellite.state is start


def test_every_connected_state_can_lose_its_connection() -> None:
    assert all(S.DISCONNECTED in TRANSITIONS[state] for state in S if state is not S.DISCONNECTED)
