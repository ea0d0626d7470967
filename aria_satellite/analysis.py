"""What one microphone frame contains: echo removed, speech probability, double talk, wake scores.

``FrameAnalyser.plan(state)`` says which models a state needs (each model runs only when it
decides something: the VAD starts turns without a wake word and detects barge-in, as does the
double-talk detector while we speak; the wake words
run whenever a new turn may start; skipping them saves most of an idle satellite's CPU), and
``analyse`` runs them on one frame, blocking, in the satellite's single analysis thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .doubletalk import DoubleTalk
from .echo import EchoCanceller
from .mic import MicFrame
from .state import State
from .vad import SileroSpeech
from .wake import WakeWords


@dataclass(frozen=True)
class Analysis:
    """What one microphone frame contains, computed off the event loop."""

    residual: bytes
    """the frame with our own playback removed: what the server and the detectors get."""
    echo_share: float
    """share of the frame's energy removed as our own playback (0-1)."""
    speech: float
    """speech probability of the residual (0 when the VAD did not run)."""
    wake: list[float]
    """each wake word's score (empty when the wake words did not run)."""
    near_end: float | None = None
    """share of speech bands someone other than our playback fills (``doubletalk.py``); None when
    it did not run or is still learning the room."""


@dataclass(frozen=True)
class Plan:
    """The models one frame needs."""

    speech: bool
    wake: bool
    reset_speech: bool
    """the VAD's recurrent state is stale (it was off for a while): reset it first."""
    near_end: bool = False
    """run the double-talk detector (while our reply plays)."""
    restart_near_end: bool = False
    """the detector's record of what was played is stale (it was off): forget it first."""


class FrameAnalyser:
    """The echo canceller, the VAD and the wake words of one satellite."""

    def __init__(self, echo: EchoCanceller, wake: WakeWords | None) -> None:
        self.echo = echo
        self.wake = wake
        self.speech = SileroSpeech()
        self.doubletalk = DoubleTalk()
        self._speech_running = False
        self._near_end_running = False

    def plan(self, state: State) -> Plan:
        """The models ``state`` needs (called on the loop, in frame order)."""
        speech = state is State.SPEAKING or (self.wake is None and state is State.WAITING)
        wake = self.wake is not None and state is not State.STREAMING
        reset = speech and not self._speech_running
        self._speech_running = speech
        near_end = state is State.SPEAKING
        restart = near_end and not self._near_end_running
        self._near_end_running = near_end
        return Plan(speech, wake, reset, near_end, restart)

    def analyse(self, frame: MicFrame, plan: Plan) -> Analysis:
        """Run the planned models on ``frame`` (blocking)."""
        residual, share = self.echo.process(frame.pcm, frame.t_ns)
        if plan.reset_speech:
            self.speech.reset()
        probability = self.speech.probability(residual) if plan.speech else 0.0
        scores = self.wake.score(residual) if plan.wake and self.wake is not None else []
        near_end = None
        if plan.restart_near_end:
            self.doubletalk.restart()
        if plan.near_end:
            mic = np.frombuffer(frame.pcm, dtype=np.int16)
            near_end = self.doubletalk.feed(mic, self.echo.played(frame.t_ns, len(mic)), share)
        return Analysis(residual, share, probability, scores, near_end)
