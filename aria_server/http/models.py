"""``GET /models``: what each stage could run, and what it runs now.

Choosing one is a configuration change (``POST /config`` with ``llm.model``, ``stt.model`` or
``tts.voice``), so the choice is validated, persisted and reported like any other.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from aiohttp import web

from ..concurrency import run_blocking
from ..conversation.agent import Agent
from ..errors import AriaError, ConfigError
from ..llm.gguf import MODELS_DIR
from ..services import voice_dirs
from ..settings import ServerSettings
from ..stt import bundled
from ..tts.voices import installed_voices, resolve_voice
from .keys import AGENT, CONFIG, SERVICES

STT_MODELS_DIR = "stt-models"
"""Sub-directory of the data directory searched for CTranslate2 Whisper models."""


LIST_TIMEOUT_S = 5.0
"""How long a model server may take to list its models before /models answers without them."""


@dataclass(frozen=True)
class ModelEntry:
    """One choosable model or voice; ``name`` is the value to put in the setting."""

    name: str
    description: str = ""
    path: str | None = None
    languages: tuple[str, ...] = ()
    size: int | None = None
    """bytes on disk, when it is a local file."""


@runtime_checkable
class ModelLister(Protocol):
    """A backend that can say which models its server has (Ollama, OpenAI-compatible)."""

    async def list_models(self) -> list[str]:
        """Model names or ids the server offers."""
        ...


def gguf_models(settings: ServerSettings, running: str | None) -> list[ModelEntry]:
    """GGUF files in ``<data-dir>/models`` (the bundled one is assembled there) and the configured one.

    Blocking (scans a directory).
    """
    paths = sorted((settings.data_dir / MODELS_DIR).glob("*.gguf"))
    if settings.llm.model and Path(settings.llm.model).expanduser().is_file():
        paths.insert(0, Path(settings.llm.model).expanduser())
    entries: dict[str, ModelEntry] = {}
    for path in paths:
        label = f"{path.name} (running)" if path.name == running else path.name
        entries.setdefault(str(path), ModelEntry(str(path), label, str(path), size=path.stat().st_size))
    return list(entries.values())


async def llm_models(agent: Agent, settings: ServerSettings) -> dict[str, Any]:
    """The running backend's models: its server's list, or the GGUF files for the embedded one."""
    chain = agent.chain
    if chain is None:
        return {"backend": "none", "active": None, "running": None, "models": [], "error": None}
    backend = chain.backends[0]
    error: str | None = None
    models: list[ModelEntry] = []
    if isinstance(backend, ModelLister):
        try:
            async with asyncio.timeout(LIST_TIMEOUT_S):
                models = [ModelEntry(name) for name in await backend.list_models()]
        except (AriaError, TimeoutError) as err:
            error = f"{backend.name} did not list its models: {err}"
        active = settings.llm.model or backend.model
        running = backend.model
    else:
        models = await run_blocking(None, gguf_models, settings, backend.model)
        bundled = settings.data_dir / MODELS_DIR / (backend.model or "")
        running = str(bundled) if backend.model else None
        active = settings.llm.model or running
    return {
        "backend": backend.name, "active": active, "running": running, "models": [asdict(m) for m in models], "error": error,
    }


def stt_models(settings: ServerSettings) -> list[ModelEntry]:
    """The bundled Whisper model, CTranslate2 directories in the data directory, the configured one.

    Blocking (scans directories).
    """
    found: dict[str, ModelEntry] = {}
    for model in bundled.BUNDLED.values():
        if bundled.is_installed(model.name):
            languages = ("en",) if model.english_only else ()
            path = bundled.assembled_dir(model.name)
            found[model.name] = ModelEntry(model.name, model.description, str(path) if path else None, languages)
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
    if Path(name).expanduser().is_dir() or bundled.is_installed(name):
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
    """The LLM models of the active backend, the STT models and the TTS voices.

    ``active`` is the configured choice; ``running`` what the server uses until its restart.
    """
    settings = request.app[CONFIG].settings
    services = request.app[SERVICES]
    body = await run_blocking(None, _local_models, settings)
    body["stt"]["running"] = services.stt.decoder.name if services.stt is not None else None
    body["tts"]["running"] = services.tts.engines[0].voice.name if services.tts is not None else None
    body["llm"] = await llm_models(request.app[AGENT], settings)
    return web.json_response(body)
