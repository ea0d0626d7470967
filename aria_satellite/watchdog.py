"""The satellite's watchdog: no state may last once nothing happens in it any more.

Checked a few times a second, independently of the microphone (which may be the thing that
stalled; its own stall is caught by the frame timeout in ``Satellite._listen``):

    STREAMING  longer than the turn's stream limit            -> THINKING (audio-stop sent)
    THINKING   no reply within ``reply_timeout_s``            -> WAITING, counted as a stuck reset
    SPEAKING   no reply audio arrived or played for ``reply_gap_s`` -> WAITING, counted

SPEAKING has no time limit of its own: a reply of several minutes plays to its end, as long
as its audio keeps coming or playing (or barge-in stops it).
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from .health import Health
from .playback import Player
from .settings import SatelliteSettings
from .state import State, StateMachine

CHECK_S = 0.25
"""How often the watchdog looks, s."""


class Watched(Protocol):
    """What the watchdog reads and does on a satellite."""

    settings: SatelliteSettings
    health: Health
    machine: StateMachine[State]
    player: Player

    @property
    def state(self) -> State:
        """The current state."""
        ...

    @property
    def deadline_ns(self) -> int | None:
        """The current state's deadline (STREAMING, THINKING), monotonic ns."""
        ...

    def stop_streaming(self, next_state: State, reason: str) -> None:
        """End the turn's audio and move on."""
        ...


class Watchdog:
    """Looks at one satellite's progress; ``run()`` is its task."""

    def __init__(self, satellite: Watched) -> None:
        self.satellite = satellite
        self.entered_ns = time.monotonic_ns()

    def entered(self, state: State) -> None:
        """The satellite just entered ``state``."""
        self.entered_ns = time.monotonic_ns()

    async def run(self) -> None:
        """Check until cancelled."""
        while True:
            await asyncio.sleep(CHECK_S)
            self.check(time.monotonic_ns())

    def check(self, now_ns: int) -> None:
        """One look: leave a state whose progress stopped."""
        sat = self.satellite
        state = sat.state
        deadline = sat.deadline_ns
        if state is State.STREAMING and deadline is not None and now_ns > deadline:
            sat.stop_streaming(State.THINKING, "stream time limit")
        elif state is State.THINKING and deadline is not None and now_ns > deadline:
            sat.health.fault("stuck_resets", f"no reply within {sat.settings.reply_timeout_s:.0f} s")
            sat.machine.to(State.WAITING, "stuck: no reply in time")
        elif state is State.SPEAKING:
            quiet_s = (now_ns - max(sat.player.last_activity_ns, self.entered_ns)) / 1e9
            if quiet_s > sat.settings.reply_gap_s:
                sat.health.fault("stuck_resets", f"no reply audio for {quiet_s:.1f} s while speaking")
                sat.machine.to(State.WAITING, "stuck: no reply audio")  # before stop(), which would say "stopped"
                sat.player.stop()
