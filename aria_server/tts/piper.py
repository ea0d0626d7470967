"""Piper (VITS, ONNX) engine."""

from __future__ import annotations

import logging

import numpy as np

from aria_wire.audio import float_to_int16

from ..devices import onnx_placement
from .base import VoiceInfo

_LOGGER = logging.getLogger(__name__)


class PiperEngine:
    """Loads a Piper voice once (blocking: call from a worker thread)."""

    name = "piper"

    def __init__(self, voice: VoiceInfo, length_scale: float | None = None, device: str = "auto") -> None:
        from piper import PiperVoice, SynthesisConfig

        placement = onnx_placement(device, "Piper")
        self.device, self.device_reason = placement.device, placement.reason
        self.voice = voice
        self._piper = PiperVoice.load(voice.path, use_cuda=self.device == "cuda")
        self._config = SynthesisConfig(length_scale=length_scale)
        self.sample_rate = int(self._piper.config.sample_rate)
        _LOGGER.info("Piper voice %s loaded (%d Hz)", voice.name, self.sample_rate)

    def synthesize_piece(self, text: str) -> np.ndarray:
        """All sentences of ``text`` as one int16 array."""
        parts = [chunk.audio_float_array for chunk in self._piper.synthesize(text, self._config)]
        if not parts:
            return np.zeros(0, dtype=np.int16)
        return float_to_int16(np.concatenate(parts))

    def warm_up(self) -> None:
        """First inference initialises onnxruntime's kernels."""
        self.synthesize_piece("Hello.")
