"""Coqui TTS engine (the optional ``coqui`` extra): a coqui-tts checkpoint plus its config.json.

torch and coqui-tts are imported when the engine is created, so they are only loaded when
``tts.backend`` or ``tts.fallback`` names ``coqui``. Inference runs on CUDA when torch sees a GPU,
else on the CPU with a bounded number of torch threads (the STT and LLM models share the cores).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from aria_wire.audio import float_to_int16

from ..errors import ConfigError, TtsError
from ..settings import TtsSettings
from .base import VoiceInfo

_LOGGER = logging.getLogger(__name__)

DEFAULT_TORCH_THREADS = 2
"""Intra-op threads of torch on the CPU: the TTS executor runs one piece at a time."""

_GENERIC_STEMS = {"model", "best_model", "model_file", "checkpoint"}


def _checked_paths(settings: TtsSettings) -> tuple[Path, Path]:
    """The checkpoint and config paths, or a ConfigError naming the setting that is wrong."""
    model = settings.coqui_model
    if model is None:
        raise ConfigError("tts.coqui_model is not set: the coqui TTS backend needs a model checkpoint (.pth)")
    if not model.exists():
        raise ConfigError(f"tts.coqui_model {model} does not exist")
    config = settings.coqui_config
    if config is None:
        # Coqui's own convention: config.json beside the checkpoint.
        config = (model if model.is_dir() else model.parent) / "config.json"
        if not config.is_file():
            raise ConfigError(f"tts.coqui_config is not set and there is no {config} beside tts.coqui_model")
    elif not config.is_file():
        raise ConfigError(f"tts.coqui_config {config} does not exist")
    return model, config


def _voice_name(model: Path) -> str:
    """``…/my-voice/model.pth`` -> ``my-voice``; ``…/my-voice.pth`` -> ``my-voice``."""
    stem = model.stem if model.is_file() else model.name
    if stem in _GENERIC_STEMS or stem.startswith(("checkpoint_", "best_model_")):
        return model.parent.name or stem
    return stem


def _voice_info(model: Path, config: Path) -> VoiceInfo:
    try:
        data: dict[str, Any] = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"tts.coqui_config {config} is not a readable JSON file: {err}") from err
    language = data.get("phoneme_language") or data.get("language")
    kind = data.get("model") or "coqui"
    name = _voice_name(model)
    return VoiceInfo(
        name=name,
        languages=(str(language),) if language else (),
        description=f"{name} (Coqui {kind})",
        path=str(model),
    )


class CoquiEngine:
    """Loads a Coqui model once (blocking: call from a worker thread)."""

    name = "coqui"

    def __init__(self, settings: TtsSettings, threads: int | None = None) -> None:
        model, config = _checked_paths(settings)
        self.voice = _voice_info(model, config)
        try:
            import torch
            from TTS.utils.synthesizer import Synthesizer
        except ImportError as err:
            raise ConfigError(
                f"tts backend coqui needs the coqui extra (pip install 'aria-voice[coqui]'): {err}",
                code="coqui-not-installed",
            ) from err

        self._use_cuda = bool(torch.cuda.is_available())
        if not self._use_cuda:
            torch.set_num_threads(max(1, min(threads or DEFAULT_TORCH_THREADS, os.cpu_count() or 1)))
        started = time.perf_counter()
        try:
            self._synth = Synthesizer(tts_checkpoint=model, tts_config_path=config, use_cuda=self._use_cuda)
        except Exception as err:  # coqui raises anything from KeyError to RuntimeError on a bad model
            raise ConfigError(
                f"tts.coqui_model {model} could not be loaded with tts.coqui_config {config}: "
                f"{type(err).__name__}: {err}"
            ) from err
        self.sample_rate = int(self._synth.output_sample_rate)
        self._speaker = self._first_name("speaker_manager", "speaker_names")
        self._language = self._first_name("language_manager", "language_names")
        _LOGGER.info(
            "Coqui model %s loaded in %.1f s (%d Hz, %s)",
            self.voice.name,
            time.perf_counter() - started,
            self.sample_rate,
            "cuda" if self._use_cuda else f"cpu, {torch.get_num_threads()} threads",
        )

    def _first_name(self, manager: str, names: str) -> str | None:
        """Multi-speaker and multilingual models need a speaker/language: the first one."""
        found = getattr(getattr(self._synth.tts_model, manager, None), names, None)
        return str(found[0]) if found else None

    def synthesize_piece(self, text: str) -> np.ndarray:
        """All sentences of ``text`` as one int16 array."""
        if not text.strip():
            return np.zeros(0, dtype=np.int16)
        try:
            wav = self._synth.tts(text, speaker_name=self._speaker, language_name=self._language)
        except Exception as err:
            raise TtsError(f"coqui synthesis failed: {type(err).__name__}: {err}") from err
        return float_to_int16(np.asarray(wav, dtype=np.float32))

    def warm_up(self) -> None:
        """First inference allocates torch's buffers."""
        self.synthesize_piece("Hello.")
