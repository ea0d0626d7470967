"""Wake word: the pure gate, and the bundled openWakeWord model on a clip spoken by Piper."""

from __future__ import annotations

import numpy as np

from aria_wire.wake import OpenWakeWordModel, WakeGate
from tests.satellites.harness import ClipMaker


def test_gate_threshold_and_refractory_time() -> None:
    gate = WakeGate("okay_nabu", threshold=0.5, refractory_s=2.0)
    assert gate.feed(0.4, 0) is None
    hit = gate.feed(0.9, 1_000_000_000)
    assert hit is not None and hit.score == 0.9 and hit.name == "okay_nabu"
    assert gate.feed(0.95, 2_500_000_000) is None  # 1.5 s later: the same utterance
    assert gate.feed(0.7, 3_100_000_000) is not None


def _best_score(model: OpenWakeWordModel, audio: np.ndarray) -> float:
    pcm = audio.tobytes()
    return max(model.process(pcm[i : i + 1024]) for i in range(0, len(pcm), 1024))


def test_bundled_model_hears_its_wake_word_and_not_other_speech(clips: ClipMaker) -> None:
    model = OpenWakeWordModel("okay_nabu")
    try:
        silence = np.zeros(8000, np.int16)
        wake = np.concatenate([silence, clips.speech("Okay, Nabu."), silence])
        other = np.concatenate([silence, clips.speech("What time is it in the kitchen?"), silence])
        assert _best_score(model, wake) > 0.5
        model.reset()
        assert _best_score(model, other) < 0.5
        assert model.process(b"") == 0.0
    finally:
        model.close()
