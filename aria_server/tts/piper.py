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
        import json

        import onnxruntime
        from piper import PiperConfig, PiperVoice, SynthesisConfig

        placement = onnx_placement(device, "Piper")
        self.device, self.device_reason = placement.device, placement.reason
        self.voice = voice
        # PiperVoice.load with one change: no onnxruntime CPU arena. The arena keeps the peak of
        # the longest pass for the life of the process (+310 MB after one 300-character piece,
        # +850 MB after 1,000); without it a pass's memory goes back when the pass ends.
        options = onnxruntime.SessionOptions()
        options.enable_cpu_mem_arena = False
        with open(f"{voice.path}.json", encoding="utf-8") as config_file:
            config = PiperConfig.from_dict(json.load(config_file))
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if self.device == "cuda" else ["CPUExecutionProvider"]
        session = onnxruntime.InferenceSession(voice.path, sess_options=options, providers=providers)
        self._piper = PiperVoice(config=config, session=session)
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
