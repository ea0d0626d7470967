"""The satellite's transition table, and the data each state carries (pure)."""

from __future__ import annotations

import pytest

from aria_satellite.state import (
    TRANSITIONS,
    Idle,
    InvalidTransition,
    Speaking,
    State,
    StateMachine,
    Streaming,
    Thinking,
    Timed,
    Transition,
    new_machine,
)

S = State

ALLOWED = {
    (S.IDLE, S.WAITING): "run-satellite",
    (S.WAITING, S.STREAMING): "wake",
    (S.WAITING, S.SPEAKING): "announcement",
    (S.WAITING, S.IDLE): "pause-satellite",
    (S.STREAMING, S.THINKING): "transcript",
    (S.STREAMING, S.WAITING): "empty transcript or error",
    (S.STREAMING, S.SPEAKING): "reply before the transcript",
    (S.STREAMING, S.IDLE): "server lost",
    (S.THINKING, S.SPEAKING): "audio-start",
    (S.THINKING, S.WAITING): "error, or stuck",
    (S.THINKING, S.STREAMING): "wake word again, or follow-up",
    (S.THINKING, S.IDLE): "server lost",
    (S.SPEAKING, S.WAITING): "played",
    (S.SPEAKING, S.STREAMING): "barge-in, or the follow-up once played",
    (S.SPEAKING, S.IDLE): "server lost",
}
"""Every move the satellite makes, and why: anything else is a bug."""


def _at(state: State) -> StateMachine[State]:
    """A machine put in ``state`` by legal moves."""
    machine = new_machine()
    path = {S.IDLE: [], S.WAITING: [S.WAITING], S.STREAMING: [S.WAITING, S.STREAMING],
            S.THINKING: [S.WAITING, S.STREAMING, S.THINKING], S.SPEAKING: [S.WAITING, S.SPEAKING]}[state]
    for step in path:
        machine.to(step, "setup")
    return machine


@pytest.mark.parametrize(("old", "new"), [(old, new) for old in S for new in S if old is not new])
def test_the_table_allows_exactly_the_moves_a_turn_makes(old: State, new: State) -> None:
    machine = _at(old)
    assert machine.state is old
    if (old, new) in ALLOWED:
        assert machine.to(new, ALLOWED[old, new])
        assert machine.state is new
    else:
        with pytest.raises(InvalidTransition):
            machine.to(new, "bug")
        assert machine.state is old


def test_the_table_is_the_one_listed_here() -> None:
    assert {(old, new) for old, targets in TRANSITIONS.items() for new in targets} == set(ALLOWED)


def test_a_whole_turn_with_barge_in_and_a_follow_up_is_reported_move_by_move() -> None:
    seen: list[Transition[State]] = []
    machine = new_machine()
    machine.listen(seen.append)
    for state, reason in [
        (S.WAITING, "run-satellite"), (S.STREAMING, "wake"), (S.THINKING, "transcript"),
        (S.SPEAKING, "audio-start"), (S.STREAMING, "barge-in"), (S.THINKING, "transcript"),
        (S.SPEAKING, "audio-start"), (S.STREAMING, "follow-up"), (S.IDLE, "server lost"),
    ]:
        assert machine.to(state, reason)
    assert [(c.old, c.new, c.reason) for c in seen][4] == (S.SPEAKING, S.STREAMING, "barge-in")
    assert seen[-1].new is S.IDLE


def test_staying_put_is_not_a_move_and_keeps_the_data_unless_new_data_is_given() -> None:
    seen: list[Transition[State]] = []
    machine = new_machine()
    machine.listen(seen.append)
    machine.to(S.WAITING, "run-satellite")
    machine.to(S.SPEAKING, "audio-start")
    assert machine.data is None
    assert machine.to(S.SPEAKING, "transcribe", Speaking(listen_after_s=5.0)) is False
    assert machine.expect(Speaking) == Speaking(5.0)
    assert machine.to(S.SPEAKING, "audio-start") is False  # a second stream: the follow-up stays
    assert machine.expect(Speaking) == Speaking(5.0)
    assert [c.new for c in seen] == [S.WAITING, S.SPEAKING]


def test_each_state_carries_its_own_data_and_loses_it_on_leaving() -> None:
    machine = new_machine()
    assert machine.expect(Idle) == Idle(lost=False)  # never connected: not a lost server
    machine.to(S.WAITING, "run-satellite")
    assert machine.data is None
    machine.to(S.STREAMING, "wake", Streaming(deadline_ns=100, reason="wake"))
    assert machine.expect(Timed) is not None and machine.expect(Timed).deadline_ns == 100  # type: ignore[union-attr]
    machine.to(S.THINKING, "transcript", Thinking(deadline_ns=200))
    assert machine.expect(Streaming) is None and machine.expect(Thinking) == Thinking(200)
    machine.to(S.IDLE, "server lost", Idle(lost=True))
    assert machine.expect(Timed) is None and machine.expect(Idle) == Idle(lost=True)


def test_every_state_can_fall_back_to_idle_except_idle() -> None:
    for state, targets in TRANSITIONS.items():
        assert (S.IDLE in targets) == (state is not S.IDLE)
