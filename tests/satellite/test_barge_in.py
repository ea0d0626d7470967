"""Barge-in over AEC3: the user speaking over our reply interrupts it, the reply alone never does.

Real parts: the bundled Piper voice says the reply, espeak-ng (another voice) the user; the
reply reaches the microphone through a simulated reverberant room; frames go through the
satellite's own ``FrameAnalyser`` (AEC3, Silero, the double-talk detector) and ``BargeIn`` rule,
with the reference handed over just ahead of the microphone, as the player does.
"""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from aria_satellite.analysis import Analysis, FrameAnalyser
from aria_satellite.barge_in import BargeIn
from aria_satellite.doubletalk import NEAR_END, TRUST_FRAMES, DoubleTalk
from aria_satellite.echo import WebRtcEchoCanceller
from aria_satellite.mic import MicFrame
from aria_satellite.settings import VadSettings
from aria_satellite.state import State
from aria_satellite.vad import SpeechOnset
from tests.satellites.harness import ClipMaker
from tests.stt.languages import espeak

RATE = 16_000
FRAME = 512
T0 = 50_000_000_000
REPLY = (
    "It is a quarter past three in the afternoon. The kitchen lights are on and the heating is set to "
    "twenty degrees. Tomorrow will be sunny with a light breeze from the west."
)


def room(played: np.ndarray, delay_ms: int, rt_ms: float, level: float, seed: int = 3) -> np.ndarray:
    """``played`` as the microphone hears it: a delay, a decaying random impulse response (RT60 ``rt_ms``), a level."""
    rng = np.random.default_rng(seed)
    n = int(0.4 * RATE)
    rir = rng.standard_normal(n) * np.exp(-np.arange(n) / (rt_ms / 1000 / 6.9 * RATE))
    rir[0] = 3.0
    heard = np.convolve(played, rir)[: len(played)]
    heard = np.concatenate([np.zeros(delay_ms * RATE // 1000), heard])[: len(played)]
    return heard * level * np.abs(played).max() / max(np.abs(heard).max(), 1.0)


def user(text: str, voice: str) -> np.ndarray:
    pcm, fmt = espeak(voice, text, 160)
    samples = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768
    return soxr.resample(samples, fmt.rate, RATE).astype(np.float64) * 32767


class Room:
    """One satellite's analyser in one room: replies play through it one after another, as they do in a house."""

    def __init__(self, delay_ms: int, rt_ms: float, level: float) -> None:
        self.shape = (delay_ms, rt_ms, level)
        self.analyser = FrameAnalyser(WebRtcEchoCanceller(), wake=None)
        self.t0 = T0

    def barge_ins(self, played: np.ndarray, user: np.ndarray | None = None, at: int = 0) -> list[tuple[int, str]]:
        """(frame, evidence) of each barge-in while ``played`` plays, with ``user`` from sample ``at``."""
        heard = room(played, *self.shape)
        if user is not None:
            heard[at : at + len(user)] += user[: len(heard) - at]
        fired = _play(self.analyser, played, heard, self.t0)
        self.analyser.plan(State.WAITING)  # between replies the detector rests, as on the satellite
        self.t0 += (len(played) // RATE + 5) * 1_000_000_000
        return fired


def _play(analyser: FrameAnalyser, played: np.ndarray, heard: np.ndarray, t0: int) -> list[tuple[int, str]]:
    canceller = analyser.echo
    onset = SpeechOnset(VadSettings().threshold, VadSettings().start_frames)
    rule = BargeIn()
    reference = np.clip(played, -32768, 32767).astype(np.int16)
    mic = np.clip(heard, -32768, 32767).astype(np.int16)
    canceller.add_reference(reference[: 4 * FRAME].tobytes(), RATE, t0)
    fired = []
    for k, i in enumerate(range(0, len(mic) - FRAME + 1, FRAME)):
        if i + 4 * FRAME < len(reference):
            piece = reference[i + 4 * FRAME : i + 5 * FRAME]
            canceller.add_reference(piece.tobytes(), RATE, t0 + (i + 4 * FRAME) * 1_000_000_000 // RATE)
        frame = MicFrame(mic[i : i + FRAME].tobytes(), t0 + (i + FRAME - 1) * 1_000_000_000 // RATE)
        analysis = analyser.analyse(frame, analyser.plan(State.SPEAKING))
        by = rule.feed(analysis, onset.feed(0.0 if BargeIn.own_echo(analysis) else analysis.speech))
        if by is not None:
            fired.append((k, by))
            onset.reset()
    return fired


FIRST = "Hello! I can tell the time, set timers, and turn the lights on and off. What would you like?"
"""The satellite's first reply in a room: it teaches AEC3 and the double-talk detector the room.

A fresh AEC3 leaves the reverberant tail in the gaps between words for its first second; in the
loud room the residual VAD once took such a tail for speech there (with or without the
double-talk detector: that path is unchanged). The bench counts fresh cancellers; these tests
play as a satellite does, one reply after another through the same canceller."""


@pytest.fixture(scope="module")
def reply(clips: ClipMaker) -> np.ndarray:
    return clips.speech(REPLY).astype(np.float64)


@pytest.fixture(scope="module")
def first(clips: ClipMaker) -> np.ndarray:
    return clips.speech(FIRST).astype(np.float64)


ROOMS = [(30, 150, 0.5), (30, 300, 0.5), (60, 300, 1.0)]
"""(delay ms, RT60 ms, echo level): a dry room, a reverberant one, a loud speaker in a reverberant one."""


@pytest.mark.parametrize("shape", ROOMS)
def test_the_reply_alone_never_interrupts_itself(first: np.ndarray, reply: np.ndarray, shape: tuple[int, float, float]) -> None:
    house = Room(*shape)
    house.barge_ins(first)
    assert house.barge_ins(reply) == []
    assert house.barge_ins(first) == []


@pytest.mark.parametrize("shape", ROOMS)
@pytest.mark.parametrize("level", [0.3, 0.6])
@pytest.mark.parametrize(("text", "voice"), [("What time is it?", "en-gb"), ("Stop.", "en-us")])
def test_the_user_speaking_over_the_reply_interrupts_it(
    first: np.ndarray, reply: np.ndarray, shape: tuple[int, float, float], level: float, text: str, voice: str
) -> None:
    house = Room(*shape)
    house.barge_ins(first)
    speech = level * user(text, voice)
    at = int(len(reply) * 0.6)
    fired = house.barge_ins(reply, speech, at)
    assert fired, "the user was not heard over the reply"
    first_frame, _ = fired[0]
    assert at - 3 * FRAME <= first_frame * FRAME <= at + len(speech)  # while the user speaks, not before


def test_where_aec3_takes_the_user_out_the_double_talk_detector_still_hears_them(
    first: np.ndarray, reply: np.ndarray
) -> None:
    """The loud speaker in a reverberant room: the residual's VAD never sees the user, the detector does."""
    house = Room(60, 300, 1.0)
    house.barge_ins(first)
    speech = 0.6 * user("Stop.", "en-us")
    at = int(len(reply) * 0.6)
    fired = house.barge_ins(reply, speech, at)
    assert fired and all(by == "near-end" for _, by in fired), fired


def test_double_talk_learns_the_room_then_tells_the_user_from_the_echo(reply: np.ndarray) -> None:
    echo = room(reply, 30, 300, 0.5)
    speech = user("What time is it?", "en-gb")
    at = int(len(reply) * 0.6)
    heard = echo.copy()
    heard[at : at + len(speech)] += 0.6 * speech[: len(heard) - at]
    detector = DoubleTalk()
    shares = [detector.feed(heard[i : i + FRAME].astype(np.int16), reply[i : i + FRAME].astype(np.int16))
              for i in range(0, len(heard) - FRAME + 1, FRAME)]
    assert shares[: TRUST_FRAMES - 1] == [None] * (TRUST_FRAMES - 1)  # still learning the room
    echo_only = [s for s in shares[TRUST_FRAMES : at // FRAME - 3] if s is not None]
    with_user = [s for s in shares[at // FRAME : (at + len(speech)) // FRAME] if s is not None]
    assert np.percentile(echo_only, 95) < NEAR_END / 2
    assert sum(s >= NEAR_END for s in with_user) >= 3


def _frame(near_end: float | None, echo_share: float = 0.5) -> Analysis:
    return Analysis(residual=bytes(2 * FRAME), echo_share=echo_share, speech=0.0, wake=[], near_end=near_end)


def test_the_rule_on_its_own() -> None:
    rule = BargeIn()
    # While the detector learns the room, the residual's onset alone decides (as before it existed).
    assert rule.feed(_frame(None), onset=True) == "speech"
    assert rule.feed(_frame(None), onset=False) is None
    # Once it knows the room, an onset with no near-end energy at all is the reverberant tail.
    assert rule.feed(_frame(0.01), onset=True) is None
    assert rule.feed(_frame(NEAR_END / 2), onset=True) == "speech"
    # Bursty double talk: 4 frames averaging the threshold interrupt, though no 3 in a row reach it.
    assert [rule.feed(_frame(x), onset=False) for x in (0.35, 0.1, 0.3, 0.1)] == [None, None, None, "near-end"]
    assert [rule.feed(_frame(x), onset=False) for x in (0.15, 0.1, 0.12, 0.13)] == [None] * 4  # the reply alone
    # Not speaking: nothing, and the count starts again.
    rule.feed(_frame(0.5), onset=False)
    assert rule.feed(_frame(0.5), onset=True, speaking=False) is None
    assert [rule.feed(_frame(0.5), onset=False) for _ in range(4)] == [None, None, None, "near-end"]
    assert BargeIn.own_echo(_frame(None, echo_share=0.95)) and not BargeIn.own_echo(_frame(None, echo_share=0.5))
