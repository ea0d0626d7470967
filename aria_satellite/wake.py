"""The satellite's wake words: up to two models, each with its own gate and pipeline setting.

``WakeWords.score(pcm)`` runs every model on a frame (blocking: the analysis thread calls it);
``detect(scores, t_ns)`` applies each word's gate on the loop. Threshold and refractory time
may be changed while running (``configure``), e.g. from the server's per-satellite settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aria_wire.wake import WakeGate, WakeHit, WakeModel, load_wake_model

from .settings import WakeSettings, WakeWord

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detection:
    """A wake word heard: the gate's hit and the pipeline setting the word selects."""

    hit: WakeHit
    pipeline: str | None


class _Word:
    def __init__(self, word: WakeWord, model: WakeModel, threshold: float | None, refractory_s: float) -> None:
        self.word = word
        self.model = model
        self.gate = WakeGate(model.name, threshold if threshold is not None else model.default_threshold, refractory_s)


class WakeWords:
    """The loaded wake words of one satellite."""

    def __init__(self, words: list[tuple[WakeWord, WakeModel]], threshold: float | None, refractory_s: float) -> None:
        self._words = [_Word(word, model, threshold, refractory_s) for word, model in words]

    @classmethod
    def load(cls, settings: WakeSettings) -> WakeWords | None:
        """The settings' words loaded with their engine; None when there are none."""
        if not settings.words:
            return None
        loaded: list[tuple[WakeWord, WakeModel]] = []
        try:
            for word in settings.words:
                loaded.append((word, load_wake_model(word.model, settings.engine)))  # type: ignore[arg-type]
        except Exception:
            for _, model in loaded:
                model.close()
            raise
        return cls(loaded, settings.threshold, settings.refractory_s)

    @property
    def names(self) -> list[str]:
        """Model names, in order (what ``info`` reports as active wake words)."""
        return [w.model.name for w in self._words]

    @property
    def thresholds(self) -> dict[str, float]:
        """The threshold of each word."""
        return {w.model.name: w.gate.threshold for w in self._words}

    @property
    def refractory_s(self) -> float:
        """The refractory time (the same for every word), s."""
        return self._words[0].gate.refractory_s

    def score(self, pcm: bytes) -> list[float]:
        """Each model's score for this audio (blocking)."""
        return [w.model.process(pcm) for w in self._words]

    def detect(self, scores: list[float], t_ns: int) -> Detection | None:
        """The first word whose gate fires on its score; its model is reset for the next utterance."""
        for word, score in zip(self._words, scores, strict=True):
            hit = word.gate.feed(score, t_ns)
            if hit is not None:
                word.model.reset()
                return Detection(hit, word.word.pipeline)
        return None

    def configure(self, threshold: float | None = None, refractory_s: float | None = None) -> None:
        """Change the threshold (every word) and/or the refractory time while running."""
        if threshold is not None:
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"wake threshold {threshold} is not in (0, 1]")
            for word in self._words:
                word.gate.threshold = threshold
        if refractory_s is not None:
            if refractory_s < 0:
                raise ValueError("wake refractory time cannot be negative")
            for word in self._words:
                word.gate.refractory_s = refractory_s
        _LOGGER.info("wake words %s: thresholds %s, refractory %.2f s", self.names, self.thresholds, self.refractory_s)

    def reset(self) -> None:
        """Fresh state for every model (e.g. after a failed analysis)."""
        for word in self._words:
            word.model.reset()

    def close(self) -> None:
        """Free every model."""
        for word in self._words:
            word.model.close()
