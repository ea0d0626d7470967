"""Wake words: the pure gate, both engines' bundled models on clips spoken by Piper, and the
satellite's set of up to two words, each selecting a pipeline, with settings changed live."""

from __future__ import annotations

import time

import numpy as np
import pytest

from aria_satellite.settings import WakeSettings, WakeWord
from aria_satellite.wake import WakeWords
from aria_wire.wake import (
    MicroWakeWordModel,
    OpenWakeWordModel,
    WakeGate,
    WakeModel,
    load_wake_model,
)
from tests.satellites.harness import ClipMaker

SILENCE = np.zeros(8000, np.int16)


def test_gate_threshold_and_refractory_time() -> None:
    gate = WakeGate("okay_nabu", threshold=0.5, refractory_s=2.0)
    assert gate.feed(0.4, 0) is None
    hit = gate.feed(0.9, 1_000_000_000)
    assert hit is not None and hit.score == 0.9 and hit.name == "okay_nabu"
    assert gate.feed(0.95, 2_500_000_000) is None  # 1.5 s later: the same utterance
    assert gate.feed(0.7, 3_100_000_000) is not None
    gate.threshold, gate.refractory_s = 0.8, 0.0
    assert gate.feed(0.7, 3_200_000_000) is None and gate.feed(0.85, 3_200_000_001) is not None


def _best_score(model: WakeModel, audio: np.ndarray) -> float:
    pcm = audio.tobytes()
    return max(model.process(pcm[i : i + 1024]) for i in range(0, len(pcm), 1024))


@pytest.mark.parametrize("engine", ["micro", "openwakeword"])
def test_bundled_model_hears_its_wake_word_and_not_other_speech(clips: ClipMaker, engine: str) -> None:
    model = load_wake_model("okay_nabu", engine)  # type: ignore[arg-type]
    try:
        wake = np.concatenate([SILENCE, clips.speech("Okay, Nabu."), SILENCE])
        other = np.concatenate([SILENCE, clips.speech("What time is it in the kitchen?"), SILENCE])
        assert _best_score(model, wake) > model.default_threshold
        model.reset()
        assert _best_score(model, other) < model.default_threshold
        assert model.process(b"") == 0.0
    finally:
        model.close()


def test_micro_is_the_default_and_uses_the_models_own_cutoff() -> None:
    assert WakeSettings().engine == "micro"
    model = load_wake_model("hey_jarvis")
    try:
        assert isinstance(model, MicroWakeWordModel) and 0.5 <= model.default_threshold < 1.0
    finally:
        model.close()
    with pytest.raises(ValueError, match="unknown wake word"):
        load_wake_model("hey_rhasspy")  # openWakeWord only
    assert isinstance(load_wake_model("hey_rhasspy", "openwakeword"), OpenWakeWordModel)


def test_settings_allow_at_most_two_words_and_sane_values() -> None:
    assert WakeWord.parse("hey_jarvis@deutsch") == WakeWord("hey_jarvis", "deutsch")
    assert WakeWord.parse("okay_nabu") == WakeWord("okay_nabu", None)
    with pytest.raises(ValueError):
        WakeSettings(words=(WakeWord("a"), WakeWord("b"), WakeWord("c")))
    with pytest.raises(ValueError):
        WakeSettings(threshold=1.5)


def _feed(words: WakeWords, audio: np.ndarray) -> list[tuple[str, str | None]]:
    heard = []
    pcm = audio.tobytes()
    t = time.monotonic_ns()
    for i in range(0, len(pcm), 1024):
        detection = words.detect(words.score(pcm[i : i + 1024]), t + i * 31_250)
        if detection is not None:
            heard.append((detection.hit.name, detection.pipeline))
    return heard


def test_two_words_each_select_their_pipeline_and_settings_change_live(clips: ClipMaker) -> None:
    words = WakeWords.load(WakeSettings(words=(WakeWord("okay_nabu"), WakeWord("hey_jarvis", "deutsch"))))
    assert words is not None
    try:
        assert words.names == ["okay_nabu", "hey_jarvis"]
        nabu = np.concatenate([SILENCE, clips.speech("Okay, Nabu."), SILENCE])
        jarvis = np.concatenate([SILENCE, clips.speech("Hey Jarvis!"), SILENCE])
        assert _feed(words, nabu) == [("okay_nabu", None)]
        assert _feed(words, jarvis) == [("hey_jarvis", "deutsch")]
        words.configure(threshold=0.999, refractory_s=0.5)
        assert set(words.thresholds.values()) == {0.999} and words.refractory_s == 0.5
        assert _feed(words, nabu) == []  # a threshold nothing reaches
        with pytest.raises(ValueError):
            words.configure(threshold=0.0)
    finally:
        words.close()
