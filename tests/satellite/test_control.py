"""What a server may ask of the satellite, read strictly; and which models a state runs."""

from __future__ import annotations

import pytest

from aria_satellite.analysis import FrameAnalyser
from aria_satellite.control import WakeConfig, listen_seconds
from aria_satellite.echo import WebRtcEchoCanceller
from aria_satellite.state import State


def test_config_reads_numbers_and_refuses_anything_else() -> None:
    assert WakeConfig.from_data({"wake_threshold": 0.8}) == WakeConfig(0.8, None)
    assert WakeConfig.from_data({"wake_refractory_s": 1}) == WakeConfig(None, 1.0)
    assert WakeConfig.from_data({}) == WakeConfig()
    for bad in ({"wake_threshold": "high"}, {"wake_threshold": True}, {"wake_refractory_s": [1]}):
        with pytest.raises(TypeError):
            WakeConfig.from_data(bad)


def test_listening_limit_from_a_transcribe_context() -> None:
    assert listen_seconds({"follow_up": True, "seconds": 6}) == 6.0
    assert listen_seconds({"seconds": 0}) is None
    assert listen_seconds({"seconds": "6"}) is None
    assert listen_seconds(None) is None


def test_each_state_runs_only_the_models_that_decide_something() -> None:
    analyser = FrameAnalyser(WebRtcEchoCanceller(), wake=None)  # no wake word: speech starts turns
    assert (analyser.plan(State.WAITING).speech, analyser.plan(State.WAITING).wake) == (True, False)
    assert analyser.plan(State.STREAMING).speech is False
    again = analyser.plan(State.SPEAKING)
    assert again.speech and again.reset_speech  # the VAD was off while streaming: stale state
    assert not analyser.plan(State.SPEAKING).reset_speech
