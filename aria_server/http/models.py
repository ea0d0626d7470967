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
from ..errors import ConfigError
from ..services import voice_dirs
from ..settings import ServerSettings
from ..stt.faster_whisper import BUNDLED_MODEL, bundled_model_path
from ..tts.voices import installed_voices, resolve_voice
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


def _stt_model_problem(settings: ServerSettings) -> str | None:
    name = settings.stt.model
    if Path(name).expanduser().is_dir() or (name == BUNDLED_MODEL and bundled_model_path() is not None):
        return None
    from faster_whisper.utils import download_model

    try:
        download_model(name, local_files_only=True)  # only looks in the local Hugging Face cache
    except Exception:  # noqa: BLE001 - huggingface_hub raises several kinds for "not there"
        return (
            f"Whisper model {name!r} is not installed: give a CTranslate2 model directory, "
            f"or put one in {settings.data_dir / STT_MODELS_DIR}"
        )
    return None


async def check_stt_model(settings: ServerSettings) -> str | None:
    """Why ``stt.model`` cannot be loaded (None when it can be found offline)."""
    return await run_blocking(None, _stt_model_problem, settings)


async def check_tts_voice(settings: ServerSettings) -> str | None:
    """Why ``tts.voice`` cannot be loaded (None when it is installed)."""
    try:
        await run_blocking(None, resolve_voice, settings.tts.voice, voice_dirs(settings))
    except ConfigError as err:
        return err.message
    return None


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
