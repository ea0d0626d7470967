"""Loads the models named in the settings, once, off the event loop, and warms them up."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .concurrency import run_blocking
from .conversation.factory import create_agent
from .settings import ServerSettings
from .stt.faster_whisper import WhisperDecoder
from .stt.service import SpeechService
from .tts.base import TtsEngine
from .tts.piper import PiperEngine
from .tts.service import SpeechSynthesis
from .tts.voices import resolve_voice
from .vad.end_of_turn import SmartTurn, resolve_turn_model
from .vad.silero import SileroVad
from .wyoming.handler import Services
from .wyoming.info import build_info

_LOGGER = logging.getLogger(__name__)


def voice_dirs(settings: ServerSettings) -> list[Path]:
    """Directories searched for Piper voices by name."""
    dirs = [settings.data_dir / "voices"]
    if settings.tts.voices_dir is not None:
        dirs.insert(0, settings.tts.voices_dir)
    return dirs


def _load_tts_engine(name: str, settings: ServerSettings) -> TtsEngine:
    if name == "coqui":
        from .tts.coqui import CoquiEngine

        engine: CoquiEngine | PiperEngine = CoquiEngine(settings.tts)
    else:
        engine = PiperEngine(resolve_voice(settings.tts.voice, voice_dirs(settings)), settings.tts.length_scale)
    engine.warm_up()
    return engine


def _load_stt(settings: ServerSettings) -> SpeechService:
    decoder = WhisperDecoder(settings.stt)
    decoder.warm_up()
    end_of_turn = None
    if (turn_model := resolve_turn_model(settings.vad.end_of_turn_model)) is not None:
        end_of_turn = SmartTurn(turn_model)
        end_of_turn.warm_up()
    return SpeechService(decoder, SileroVad(), settings.vad, settings.wyoming.max_audio_seconds, end_of_turn)


def _load_tts(settings: ServerSettings) -> SpeechSynthesis:
    names = [settings.tts.backend, *[n for n in settings.tts.fallback if n != settings.tts.backend]]
    engines = [_load_tts_engine(name, settings) for name in names]
    return SpeechSynthesis(engines, [engine.voice for engine in engines[:1]], settings.tts.max_text_chars)


async def load_services(settings: ServerSettings) -> Services:
    """STT and TTS loaded and warmed before any port opens (ConfigError when a model is missing)."""
    started = time.perf_counter()
    stt = await run_blocking(None, _load_stt, settings)
    tts = await run_blocking(None, _load_tts, settings)
    # Importing a backend's library is blocking too; the model loads on its own thread in start().
    agent = await run_blocking(None, create_agent, settings)
    try:
        await agent.start()
    except BaseException:
        await agent.aclose()
        raise
    _LOGGER.info("models loaded and warmed up in %.1f s", time.perf_counter() - started)
    return Services(info=build_info(stt, tts, agent), stt=stt, tts=tts, agent=agent)


async def aclose_services(services: Services) -> None:
    """Close the conversation agent (models, probes, database), then the other model threads."""
    if services.agent is not None:
        await services.agent.aclose()
    close_services(services)


def close_services(services: Services) -> None:
    """Stop the STT and TTS model worker threads (``aclose_services`` also closes the agent)."""
    if services.stt is not None:
        services.stt.close()
    if services.tts is not None:
        services.tts.close()
