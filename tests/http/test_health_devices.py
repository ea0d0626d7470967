"""``/health`` names the device each stage runs on and why (no GPU here: the CPU, with the reason)."""

from __future__ import annotations

import ctranslate2
import onnxruntime
import pytest

from aria_server.devices import ctranslate2_placement, onnx_placement
from aria_server.http.health import stt_health, tts_health
from aria_server.services import Services

pytestmark = pytest.mark.skipif(
    ctranslate2.get_cuda_device_count() > 0 or "CUDAExecutionProvider" in onnxruntime.get_available_providers(),
    reason="these tests describe a machine without a GPU (CI); on a GPU machine /health says cuda",
)


def test_stt_and_tts_say_where_they_run_and_why(services: Services) -> None:
    stt, tts = stt_health(services), tts_health(services)
    assert stt.device == "cpu" and tts.device == "cpu"
    # CI has no GPU: auto chose the CPU and says which runtime saw no CUDA.
    assert stt.details["active"]["device_reason"] == "auto: CTranslate2 sees no CUDA device"
    assert "onnxruntime has no CUDA provider" in tts.details["active"]["device_reason"]


def test_cuda_asked_for_without_a_gpu_falls_back_to_the_cpu_with_the_reason() -> None:
    whisper = ctranslate2_placement("cuda")
    assert (whisper.device, whisper.reason) == ("cpu", "cuda: CTranslate2 sees no CUDA device")
    piper = onnx_placement("cuda", "Piper")
    assert piper.device == "cpu" and "install onnxruntime-gpu" in piper.reason
    assert onnx_placement("cpu", "Piper").reason == "set to cpu"
