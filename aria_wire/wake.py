"""Wake word detection: openWakeWord models through pyopen-wakeword (TFLite, no torch).

``OpenWakeWordModel`` turns 16 kHz audio into wake scores (blocking: run it off the loop);
``WakeGate`` is the pure threshold + refractory-time decision, so it is tested without audio.
The server uses the same classes for satellites that stream without a local wake word.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

BUILTIN_MODELS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft", "hey_rhasspy")


class WakeModel(Protocol):
    """A loaded wake word model with its own streaming state."""

    name: str

    def process(self, pcm: bytes) -> float:
        """Feed 16 kHz mono 16-bit audio; the highest wake score (0-1) it produced (0 if none)."""
        ...

    def reset(self) -> None:
        """Forget the audio seen so far."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


class OpenWakeWordModel:
    """One openWakeWord model plus its feature extractor (mel spectrogram + embeddings)."""

    def __init__(self, model: str) -> None:
        from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures

        if model in BUILTIN_MODELS:
            self._model = OpenWakeWord.from_builtin(Model(model))
            self.name = model
        elif Path(model).is_file():
            self._model = OpenWakeWord.from_model(model)
            self.name = Path(model).stem
        else:
            raise ValueError(f"unknown wake word {model!r}: one of {', '.join(BUILTIN_MODELS)} or a .tflite path")
        self._features = OpenWakeWordFeatures.from_builtin()

    def process(self, pcm: bytes) -> float:
        """Highest score of the windows completed by this audio."""
        if not pcm:  # the feature extractor mis-shifts its buffer on empty input
            return 0.0
        best = 0.0
        for embedding in self._features.process_streaming(pcm):
            for probability in self._model.process_streaming(embedding):
                best = max(best, float(probability))
        return best

    def reset(self) -> None:
        """Fresh state (after a detection, so one utterance fires once)."""
        self._model.reset()
        self._features.reset()

    def close(self) -> None:
        """Free the TFLite interpreters."""
        self._model.close()
        self._features.close()


@dataclass(frozen=True)
class WakeHit:
    """A detection: the model's name, its peak score and when it happened (monotonic ns)."""

    name: str
    score: float
    t_ns: int


class WakeGate:
    """Threshold and refractory time over a stream of scores.

    A detection fires on the first score at or above the threshold; scores within
    ``refractory_s`` after a detection never fire (the tail of the same utterance, or an echo).
    """

    def __init__(self, name: str, threshold: float, refractory_s: float) -> None:
        self.name = name
        self.threshold = threshold
        self.refractory_ns = int(refractory_s * 1e9)
        self._last_ns: int | None = None

    def feed(self, score: float, t_ns: int) -> WakeHit | None:
        """The detection this score makes, if any."""
        if score < self.threshold:
            return None
        if self._last_ns is not None and t_ns - self._last_ns < self.refractory_ns:
            return None
        self._last_ns = t_ns
        return WakeHit(self.name, score, t_ns)
