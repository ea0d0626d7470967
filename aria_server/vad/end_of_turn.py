"""Semantic end of turn: has the speaker finished, judged from how the last words sounded?

At a pause the VAD only knows that it is quiet; "set a timer for ... ten minutes" pauses in the
middle. Smart Turn v3.2 (BSD-2-Clause, from the ``pipecat-ai`` 1.14.0 wheel; ``scripts/setup.sh``
unpacks the one file, checked by hash, without installing the package) reads Whisper log-mel
features of the last 8 s of audio and gives the probability that the turn is complete. The
features come from faster-whisper's own feature extractor (80 mels, an 8 s chunk, so 800
frames), on audio normalised to zero mean and unit variance, front-padded with silence.

Blocking (about 45 ms on one core): run ``probability`` in its own executor.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ConfigError
from ..model_files import models_dir

_LOGGER = logging.getLogger(__name__)

SMART_TURN_FILE = "smart-turn-v3.2-cpu.onnx"
SMART_TURN_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
"""sha256 of the ONNX file as shipped in pipecat-ai 1.14.0 (checked when unpacked)."""
WINDOW_SECONDS = 8
SAMPLE_RATE = 16_000


class TurnCompletion(Protocol):
    """Judges whether an utterance sounds finished."""

    def probability(self, samples: np.ndarray) -> float:
        """P(the speaker is done) for 16 kHz mono int16 audio ending now."""
        ...


def resolve_turn_model(setting: str) -> Path | None:
    """The model file for ``vad.end_of_turn_model``: ``auto`` (the unpacked one, when present),
    ``none``, or a path (ConfigError when that file is missing)."""
    if setting == "none":
        return None
    if setting == "auto":
        path = models_dir() / SMART_TURN_FILE
        if not path.is_file():
            _LOGGER.info(
                "semantic end of turn is off: %s not found (scripts/setup.sh unpacks it); turns end after "
                "the end-of-speech silence", path,
            )
            return None
        return path
    path = Path(setting).expanduser()
    if not path.is_file():
        raise ConfigError(f"end-of-turn model {path} does not exist (vad.end_of_turn_model)", code="turn-model-missing")
    return path


class SmartTurn:
    """The Smart Turn ONNX model on one CPU thread (loading is blocking too)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime
        from faster_whisper.feature_extractor import FeatureExtractor

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the STT decode needs the other core at the same moment
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._features = FeatureExtractor(feature_size=80, chunk_length=WINDOW_SECONDS)
        self.path = path
        _LOGGER.info("semantic end of turn: %s", path.name)

    def probability(self, samples: np.ndarray) -> float:
        """P(done) for the last 8 s of ``samples`` (16 kHz mono int16)."""
        window = WINDOW_SECONDS * SAMPLE_RATE
        audio = samples[-window:].astype(np.float32) / 32768.0
        audio = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
        if len(audio) < window:
            audio = np.concatenate([np.zeros(window - len(audio), dtype=np.float32), audio])
        features = self._features(audio, padding=0)[:, : window // 160]
        (output,) = self._session.run(None, {self._input: features[np.newaxis].astype(np.float32)})
        return float(np.asarray(output).reshape(-1)[0])

    def warm_up(self) -> None:
        """One inference, so the first real pause does not pay for lazy initialisation."""
        self.probability(np.zeros(SAMPLE_RATE, dtype=np.int16))
