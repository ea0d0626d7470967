"""The server's state machine of one satellite: the transitions a turn takes, and the ones it may not."""

from __future__ import annotations

import asyncio

import pytest

from aria_server.satellites.state import (
    TRANSITIONS,
    FollowUp,
    InvalidTransition,
    SatelliteState,
    SatelliteStatus,
    WakeSource,
)

S = SatelliteState

ALLOWED: dict[tuple[SatelliteState, SatelliteState], str] = {
    (S.DISCONNECTED, S.IDLE): "connected",
    (S.IDLE, S.LISTENING): "wake",
    (S.IDLE, S.SPEAKING): "announcement",
    (S.IDLE, S.FOLLOW_UP): "the house asks (start_conversation, ask)",
    (S.LISTENING, S.THINKING): "transcript",
    (S.LISTENING, S.SPEAKING): "announcement over a turn",
    (S.LISTENING, S.IDLE): "no speech, stood down",
    (S.THINKING, S.SPEAKING): "reply",
    (S.THINKING, S.LISTENING): "barge-in",
    (S.THINKING, S.IDLE): "error",
    (S.SPEAKING, S.LISTENING): "barge-in",
    (S.SPEAKING, S.IDLE): "played",
    (S.SPEAKING, S.FOLLOW_UP): "the reply asked a question",
    (S.FOLLOW_UP, S.LISTENING): "the follow-up turn",
    (S.FOLLOW_UP, S.IDLE): "expired, or a wake word after it",
    (S.FOLLOW_UP, S.SPEAKING): "announcement",
    **{(state, S.DISCONNECTED): "connection closed" for state in S if state is not S.DISCONNECTED},
}
"""Every move the server makes for a satellite, and why: anything else is a bug."""

PATHS = {
    S.DISCONNECTED: [], S.IDLE: [S.IDLE], S.LISTENING: [S.IDLE, S.LISTENING],
    S.THINKING: [S.IDLE, S.LISTENING, S.THINKING], S.SPEAKING: [S.IDLE, S.SPEAKING],
    S.FOLLOW_UP: [S.IDLE, S.FOLLOW_UP],
}


def status(at: SatelliteState = S.DISCONNECTED) -> SatelliteStatus:
    satellite = SatelliteStatus(name="kitchen", address="tcp://127.0.0.1:1", source="static")
    for step in PATHS[at]:
        satellite.to(step, "setup")
    return satellite


@pytest.mark.parametrize(("start", "target"), [(a, b) for a in S for b in S if a is not b])
def test_the_table_allows_exactly_the_moves_a_turn_makes(start: SatelliteState, target: SatelliteState) -> None:
    satellite = status(start)
    if (start, target) in ALLOWED:
        assert satellite.to(target, ALLOWED[start, target])
        assert satellite.snapshot()["state"] == str(target)
    else:
        with pytest.raises(InvalidTransition, match="satellite kitchen"):
            satellite.to(target, "bug")
        assert satellite.state is start


def test_the_table_is_the_one_listed_here() -> None:
    moves = {(a, b) for a, targets in TRANSITIONS.items() for b in targets if a is not b}  # staying is always allowed
    assert moves == set(ALLOWED)


def test_staying_put_is_allowed_and_reports_no_change() -> None:
    satellite = status(S.LISTENING)
    assert satellite.to(S.LISTENING, "barge-in") is False


async def test_a_follow_up_is_a_state_whose_data_is_its_deadline_and_its_question() -> None:
    satellite = status(S.SPEAKING)
    heard: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    offer = FollowUp(until=100.0, heard=heard)
    satellite.to(S.FOLLOW_UP, "question", offer)
    assert satellite.follow_up(now=99.0) is offer
    assert satellite.follow_up(now=100.0) is None  # past its deadline: no longer a follow-up
    satellite.expire(FollowUp(until=200.0))  # another offer's timer: not this state's
    assert satellite.state is S.FOLLOW_UP
    satellite.expire(offer)
    assert satellite.state is S.IDLE and satellite.follow_up(now=0.0) is None
    satellite.expire(offer)  # late timer: nothing to end
    assert satellite.state is S.IDLE


def test_the_wake_source_is_reported_as_text() -> None:
    satellite = status(S.IDLE)
    satellite.wake = WakeSource.SERVER
    assert satellite.snapshot()["wake"] == "server"


@pytest.mark.parametrize(
    ("kind", "now", "state", "answered"),
    [
        ("follow-up", 5.0, S.LISTENING, True),  # the follow-up's turn: listens at once, takes the question
        ("follow-up", 11.0, S.IDLE, False),  # past the deadline: no longer a follow-up
        ("wake", 5.0, S.IDLE, False),  # another turn closes the window (it arbitrates first)
    ],
)
async def test_a_turn_takes_the_follow_up_or_closes_it(kind: str, now: float, state: SatelliteState, answered: bool) -> None:
    satellite = status(S.SPEAKING)
    heard: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    offer = satellite.offer_follow_up(until=10.0, heard=heard)
    assert offer is not None and satellite.state is S.FOLLOW_UP
    taken = satellite.take_follow_up(kind, now)
    assert satellite.state is state
    assert (taken is offer) is answered and (taken is None) is not answered


@pytest.mark.parametrize("busy", [S.LISTENING, S.THINKING, S.DISCONNECTED])
def test_no_follow_up_is_offered_once_a_turn_began(busy: SatelliteState) -> None:
    satellite = status(busy)
    assert satellite.offer_follow_up(until=10.0) is None
    assert satellite.state is busy


async def test_a_withdrawn_question_closes_only_its_own_follow_up() -> None:
    satellite = status(S.IDLE)
    mine: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    other: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    satellite.offer_follow_up(until=10.0, heard=other)
    satellite.withdraw(mine)
    assert satellite.state is S.FOLLOW_UP
    satellite.withdraw(other)
    assert satellite.state is S.IDLE
