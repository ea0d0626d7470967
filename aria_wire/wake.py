"""Wake word detection: microWakeWord (default) and openWakeWord, both TFLite and torch-free.

``MicroWakeWordModel`` and ``OpenWakeWordModel`` turn 16 kHz audio into wake scores (blocking:
run them off the loop); ``load_wake_model`` picks one by engine and name; ``WakeGate`` is the
pure threshold + refractory-time decision, so it is tested without audio. The server uses the
same classes for satellites that stream without a local wake word.

Licences: pymicro-wakeword and its bundled models are Apache-2.0; openWakeWord's pretrained
models (bundled by pyopen-wakeword) are CC BY-NC-SA 4.0, i.e. not for commercial use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeAlias

WakeEngine: TypeAlias = Literal["micro", "openwakeword"]

MICRO_MODELS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")
"""Models bundled with pymicro-wakeword."""
OPENWAKEWORD_MODELS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft", "hey_rhasspy")
"""Models bundled with pyopen-wakeword."""
BUILTIN_MODELS = OPENWAKEWORD_MODELS
"""Kept for callers that name openWakeWord's list (the server's streaming wake word)."""


class WakeModel(Protocol):
    """A loaded wake word model with its own streaming state."""

    name: str
    default_threshold: float
    """the score at which the model's authors say it detects (used when none is configured)."""

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

    default_threshold = 0.5

    def __init__(self, model: str) -> None:
        from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures

        if model in OPENWAKEWORD_MODELS:
            self._model = OpenWakeWord.from_builtin(Model(model))
            self.name = model
        elif Path(model).is_file():
            self._model = OpenWakeWord.from_model(model)
            self.name = Path(model).stem
        else:
            raise ValueError(f"unknown wake word {model!r}: one of {', '.join(OPENWAKEWORD_MODELS)} or a .tflite path")
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


class MicroWakeWordModel:
    """One microWakeWord model (a streaming TFLite net on 10 ms micro-frontend features).

    The score is the model's own sliding-window mean, the value its ``probability_cutoff``
    (our ``default_threshold``) is meant for.
    """

    def __init__(self, model: str) -> None:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model

        if model in MICRO_MODELS:
            self._model = MicroWakeWord.from_builtin(Model(model))
            self.name = model
        elif Path(model).suffix == ".json" and Path(model).is_file():
            self._model = MicroWakeWord.from_config(model)  # a model's JSON names its .tflite
            self.name = Path(model).stem
        else:
            raise ValueError(f"unknown wake word {model!r}: one of {', '.join(MICRO_MODELS)} or a model's .json")
        self.default_threshold = float(self._model.probability_cutoff)
        self.phrase: str = self._model.wake_word
        self._features = MicroWakeWordFeatures()

    def process(self, pcm: bytes) -> float:
        """Highest sliding-window score completed by this audio."""
        best = 0.0
        for features in self._features.process_streaming(pcm):
            probability = self._model.process_streaming_prob(features)
            if probability is not None:
                best = max(best, float(probability))
        return best

    def reset(self) -> None:
        """Fresh state: the model's recurrent buffers are only cleared by reloading it (fast, ~50 KB)."""
        self._model.reset()
        self._features.reset()

    def close(self) -> None:
        """Free the TFLite interpreter."""
        self._model.close()


def load_wake_model(model: str, engine: WakeEngine = "micro") -> WakeModel:
    """The named model of ``engine`` (ValueError for an unknown name or engine)."""
    if engine == "micro":
        return MicroWakeWordModel(model)
    if engine == "openwakeword":
        return OpenWakeWordModel(model)
    raise ValueError(f"unknown wake word engine {engine!r}: micro or openwakeword")


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
    Both may be changed while running (the server's per-satellite settings).
    """

    def __init__(self, name: str, threshold: float, refractory_s: float) -> None:
        self.name = name
        self.threshold = threshold
        self.refractory_ns = int(refractory_s * 1e9)
        self._last_ns: int | None = None

    @property
    def refractory_s(self) -> float:
        """The refractory time, s."""
        return self.refractory_ns / 1e9

    @refractory_s.setter
    def refractory_s(self, seconds: float) -> None:
        self.refractory_ns = int(seconds * 1e9)

    def feed(self, score: float, t_ns: int) -> WakeHit | None:
        """The detection this score makes, if any."""
        if score < self.threshold:
            return None
        if self._last_ns is not None and t_ns - self._last_ns < self.refractory_ns:
            return None
        self._last_ns = t_ns
        return WakeHit(self.name, score, t_ns)
