"""Where a model runs (``cpu`` / ``cuda``) and why, for the STT and TTS engines and ``/health``.

``auto`` takes the GPU when the engine's runtime sees one (CTranslate2 for Whisper, onnxruntime's
CUDA provider for Piper and Kokoro) and says why it did not otherwise; ``cuda`` asked for on a
machine without one falls back to the CPU with the reason logged, rather than refusing to start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """The device a model was put on, and the reason in words."""

    device: str
    reason: str


def onnx_placement(setting: str, engine: str) -> Placement:
    """For an onnxruntime model: CUDA when asked for (or ``auto``) and onnxruntime-gpu provides it."""
    if setting == "cpu":
        return Placement("cpu", "set to cpu")
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        return Placement("cuda", f"{setting}: onnxruntime has the CUDA provider")
    reason = f"{setting}: onnxruntime has no CUDA provider (install onnxruntime-gpu, see the [gpu] extra)"
    if setting == "cuda":
        _LOGGER.warning("%s: CUDA asked for, running on the CPU (%s)", engine, reason)
    return Placement("cpu", reason)


def ctranslate2_placement(setting: str) -> Placement:
    """For faster-whisper: CUDA when asked for (or ``auto``) and CTranslate2 sees a GPU."""
    if setting == "cpu":
        return Placement("cpu", "set to cpu")
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        return Placement("cuda", f"{setting}: CTranslate2 sees {ctranslate2.get_cuda_device_count()} CUDA device(s)")
    reason = f"{setting}: CTranslate2 sees no CUDA device"
    if setting == "cuda":
        _LOGGER.warning("Whisper: CUDA asked for, running on the CPU (%s)", reason)
    return Placement("cpu", reason)
