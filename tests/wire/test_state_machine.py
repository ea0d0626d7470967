"""The shared state machine helper: the table decides, listeners hear every move, data goes with its state."""

from __future__ import annotations

from enum import StrEnum

import pytest

from aria_wire.state_machine import InvalidTransition, StateMachine, Transition


class Light(StrEnum):
    OFF = "off"
    ON = "on"
    BLINKING = "blinking"


TABLE = {Light.OFF: frozenset({Light.ON}), Light.ON: frozenset({Light.OFF, Light.BLINKING}), Light.BLINKING: frozenset({Light.ON})}


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [([], Light.BLINKING), ([Light.ON, Light.BLINKING], Light.OFF)],
)
def test_a_move_the_table_does_not_list_raises_and_changes_nothing(path: list[Light], forbidden: Light) -> None:
    machine = StateMachine(Light.OFF, TABLE, name="hall")
    for step in path:
        machine.to(step, "setup")
    before = machine.state
    assert not machine.can(forbidden)
    with pytest.raises(InvalidTransition, match="hall: .* is not allowed"):
        machine.to(forbidden, "bug")
    assert machine.state is before


def test_listeners_hear_each_move_with_its_reason_and_data() -> None:
    heard: list[Transition[Light]] = []
    machine = StateMachine(Light.OFF, TABLE)
    machine.listen(heard.append)
    assert machine.to(Light.ON, "switch", data=42)
    assert machine.to(Light.ON, "switch again") is False  # staying put: nobody is told
    assert heard == [Transition(Light.OFF, Light.ON, "switch", 42)]
    assert machine.data == 42 and machine.expect(int) == 42 and machine.expect(str) is None


def test_leaving_a_state_drops_its_data() -> None:
    machine = StateMachine(Light.OFF, TABLE, data="initial")
    machine.to(Light.ON, "switch")
    assert machine.data is None


def test_a_table_missing_a_state_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="blinking"):
        StateMachine(Light.OFF, {Light.OFF: frozenset({Light.ON}), Light.ON: frozenset({Light.OFF})})
