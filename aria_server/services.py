"""The composition root: what every face shares, built once.

``load_services`` loads the models named in the settings (once, off the event loop, warmed up)
and builds around them the one voice pipeline, the one metrics registry with its turn recorder,
and the one set of Wyoming frame limits. The Wyoming server, the satellite manager and the HTTP
app all receive this ``Services``; none of them builds a pipeline, a registry or limits itself.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from wyoming.info import Info

from aria_wire.framing import FrameLimits

from .concurrency import run_blocking
from .conversation.agent import Agent
from .conversation.factory import create_agent
from .pipeline.runner import TurnRecorder
from .pipeline.turn import VoicePipeline
from .settings import ServerSettings, WyomingSettings
from .stt.faster_whisper import WhisperDecoder
from .stt.service import SpeechService
from .tts.base import TtsEngine
from .tts.piper import PiperEngine
from .tts.service import SpeechSynthesis
from .tts.voices import resolve_voice
from .turn_metrics import TurnMetrics
from .vad.end_of_turn import SmartTurn, resolve_turn_model
from .vad.silero import SileroVad
from .wyoming.info import build_info

_LOGGER = logging.getLogger(__name__)


def frame_limits(settings: WyomingSettings) -> FrameLimits:
    """The Wyoming frame limits of the settings (every Wyoming link of the server uses them)."""
    return FrameLimits(
        max_line_bytes=settings.max_line_bytes,
        max_data_bytes=settings.max_data_bytes,
        max_payload_bytes=settings.max_payload_bytes,
    )


@dataclass
class Services:
    """What the faces may use; a stage is None where the server runs without it.

    ``pipeline`` and ``recorder`` are derived here, once: without a conversation agent there is
    no pipeline (satellites then connect but answer ``no-agent``).
    """

    info: Info
    stt: SpeechService | None
    tts: SpeechSynthesis | None
    agent: Agent | None = None
    limits: FrameLimits = field(default_factory=lambda: frame_limits(WyomingSettings()))
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    """Counters and histograms over every finished turn, every face (``GET /metrics``)."""
    pipeline: VoicePipeline | None = field(init=False)
    recorder: TurnRecorder = field(init=False)

    def __post_init__(self) -> None:
        self.pipeline = VoicePipeline(self.stt, self.agent, self.tts) if self.agent is not None else None
        self.recorder = TurnRecorder(self.metrics, self.agent.store if self.agent is not None else None)


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
    return Services(
        info=build_info(stt, tts, agent), stt=stt, tts=tts, agent=agent, limits=frame_limits(settings.wyoming)
    )


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
