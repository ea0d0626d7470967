"""The satellite's transition table."""

from __future__ import annotations

import pytest

from aria_satellite.state import TRANSITIONS, InvalidTransition, State, StateMachine


def test_a_whole_turn_with_barge_in() -> None:
    seen: list[tuple[State, State, str]] = []
    machine = StateMachine(lambda old, new, reason: seen.append((old, new, reason)))
    for state, reason in [
        (State.WAITING, "run-satellite"),
        (State.STREAMING, "wake"),
        (State.THINKING, "transcript"),
        (State.SPEAKING, "audio-start"),
        (State.STREAMING, "barge-in"),
        (State.THINKING, "transcript"),
        (State.SPEAKING, "audio-start"),
        (State.WAITING, "played"),
        (State.IDLE, "server lost"),
    ]:
        assert machine.to(state, reason)
    assert [new for _, new, _ in seen][-1] is State.IDLE
    assert seen[4] == (State.SPEAKING, State.STREAMING, "barge-in")


def test_staying_put_is_not_a_transition() -> None:
    machine = StateMachine()
    assert machine.to(State.IDLE, "again") is False


@pytest.mark.parametrize(
    ("old", "new"),
    [(State.IDLE, State.STREAMING), (State.IDLE, State.SPEAKING), (State.WAITING, State.THINKING)],
)
def test_forbidden_transitions_raise(old: State, new: State) -> None:
    machine = StateMachine()
    machine.state = old
    assert not machine.can(new)
    with pytest.raises(InvalidTransition):
        machine.to(new, "test")


def test_every_state_can_fall_back_to_idle_except_idle() -> None:
    for state, targets in TRANSITIONS.items():
        assert (State.IDLE in targets) == (state is not State.IDLE)
