"""``GET /models``: what each stage could run, and what it runs now.

Choosing one is a configuration change (``POST /config`` with ``llm.model``, ``stt.model`` or
``tts.voice``), so the choice is validated, persisted and reported like any other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from ..concurrency import run_blocking
from ..services import voice_dirs
from ..settings import ServerSettings
from ..stt.faster_whisper import BUNDLED_MODEL, bundled_model_path
from ..tts.voices import installed_voices
from .keys import CONFIG

STT_MODELS_DIR = "stt-models"
"""Sub-directory of the data directory searched for CTranslate2 Whisper models."""


@dataclass(frozen=True)
class ModelEntry:
    """One choosable model or voice."""

    name: str
    description: str = ""
    path: str | None = None
    languages: tuple[str, ...] = ()


def stt_models(settings: ServerSettings) -> list[ModelEntry]:
    """The bundled Whisper model, CTranslate2 directories in the data directory, the configured one.

    Blocking (scans directories).
    """
    found: dict[str, ModelEntry] = {}
    bundled = bundled_model_path()
    if bundled is not None:
        found[BUNDLED_MODEL] = ModelEntry(BUNDLED_MODEL, "Whisper tiny.en (bundled)", str(bundled), ("en",))
    directory = settings.data_dir / STT_MODELS_DIR
    if directory.is_dir():
        for model_dir in sorted(directory.iterdir()):
            if (model_dir / "model.bin").is_file():
                found.setdefault(str(model_dir), ModelEntry(str(model_dir), f"Whisper {model_dir.name}", str(model_dir)))
    configured = settings.stt.model
    if configured not in found:
        path = Path(configured).expanduser()
        found[configured] = ModelEntry(configured, "configured", str(path) if path.is_dir() else None)
    return list(found.values())


def tts_voices(settings: ServerSettings) -> list[ModelEntry]:
    """Every installed Piper voice (blocking: reads voice configs)."""
    return [
        ModelEntry(voice.name, voice.description, voice.path, voice.languages)
        for voice in installed_voices(voice_dirs(settings))
    ]


def _local_models(settings: ServerSettings) -> dict[str, Any]:
    return {
        "stt": {"active": settings.stt.model, "models": [asdict(m) for m in stt_models(settings)]},
        "tts": {"active": settings.tts.voice, "voices": [asdict(v) for v in tts_voices(settings)]},
    }


async def get_models(request: web.Request) -> web.Response:
    """The LLM models of the active backend, the STT models and the TTS voices."""
    settings = request.app[CONFIG].settings
    body = await run_blocking(None, _local_models, settings)
    return web.json_response(body)
