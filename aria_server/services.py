"""The composition root: what every face shares, built once.

``load_services`` loads the models named in the settings (once, off the event loop, warmed up)
and builds around them the one voice pipeline, the one metrics registry with its turn recorder,
and the one set of Wyoming frame limits. The Wyoming server, the satellite manager and the HTTP
app all receive this ``Services``; none of them builds a pipeline, a registry or limits itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wyoming.info import Attribution

from aria_wire.framing import FrameLimits

from .concurrency import run_blocking
from .conversation.agent import Agent
from .conversation.factory import create_agent
from .conversation.sessions import ConversationSessions
from .errors import ConfigError, RemoteUnavailable
from .pipeline.runner import TurnRecorder
from .pipeline.turn import VoicePipeline
from .turn_taking.turn import TurnTaking
from .remote import RemoteCaller, RemoteEndpoint
from .settings import ServerSettings, WyomingSettings
from .store.history import HistoryStore
from .stt.base import Decoder
from .stt.chain import DecoderChain
from .stt.faster_whisper import WhisperDecoder
from .stt.remote import WyomingDecoder
from .stt.service import SpeechService
from .tts.base import TtsEngine, VoiceInfo
from .tts.piper import PiperEngine
from .tts.remote import RemoteTts, WyomingTtsEngine
from .tts.service import SpeechSynthesis
from .tts.voices import resolve_voice
from .turn_metrics import TurnMetrics
from .vad.end_of_turn import SmartTurn, resolve_turn_model
from .vad.silero import SileroVad

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

    stt: SpeechService | None
    tts: SpeechSynthesis | None
    agent: Agent | None = None
    limits: FrameLimits = field(default_factory=lambda: frame_limits(WyomingSettings()))
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    """Counters and histograms over every finished turn, every face (``GET /metrics``)."""
    pipeline: VoicePipeline | None = field(init=False)
    recorder: TurnRecorder = field(init=False)
    history: HistoryStore | None = field(init=False)
    """Conversations and turns (the HTTP API lists and reads them), None without an agent."""
    sessions: ConversationSessions | None = field(init=False)
    """Which conversation a satellite, browser or client host is in."""
    turn_taking: TurnTaking | None = field(init=False)
    """When a spoken turn is over and what starts before it is (None without STT or an agent)."""

    def __post_init__(self) -> None:
        self.turn_taking = None
        if self.agent is not None and self.stt is not None:
            self.turn_taking = TurnTaking.for_agent(self.stt.vad_settings, self.agent)
        self.pipeline = VoicePipeline(self.stt, self.agent, self.tts, self.turn_taking) if self.agent is not None else None
        self.history = self.agent.store if self.agent is not None else None
        self.sessions = self.agent.sessions if self.agent is not None else None
        self.recorder = TurnRecorder(self.metrics, self.history)


def voice_dirs(settings: ServerSettings) -> list[Path]:
    """Directories searched for Piper voices by name."""
    dirs = [settings.data_dir / "voices"]
    if settings.tts.voices_dir is not None:
        dirs.insert(0, settings.tts.voices_dir)
    return dirs


def _chain(backend: str, fallback: list[str]) -> list[str]:
    return [backend, *[name for name in fallback if name != backend]]


def _caller(url: str | None, timeout_s: float) -> RemoteCaller:
    assert url is not None  # the settings refuse a wyoming backend without its URL
    return RemoteCaller(RemoteEndpoint(url, timeout_s=timeout_s))


def _unreachable(stage: str, url: str, err: RemoteUnavailable, has_fallback: bool) -> None:
    """A remote that is down at start-up: the fallback runs meanwhile; alone, Aria refuses to start."""
    if not has_fallback:
        raise ConfigError(
            f"the remote {stage.upper()} service at {url} cannot be reached ({err.message}); start it, "
            f"or add a local engine with --{stage}-fallback",
            code=f"{stage}-remote-unreachable",
        ) from err
    _LOGGER.warning("remote %s at %s unreachable at start-up (%s): the fallback runs until it answers", stage, url, err.message)


def _load_tts_engine(name: str, settings: ServerSettings) -> TtsEngine:
    if name == "coqui":
        from .tts.coqui import CoquiEngine

        engine: TtsEngine = CoquiEngine(settings.tts)
    elif name == "kokoro":
        from .tts.kokoro import KokoroEngine

        engine = KokoroEngine(settings.tts)
    elif name == "edge":
        from .tts.edge import EdgeEngine

        engine = EdgeEngine(settings.tts)
    else:
        engine = PiperEngine(
            resolve_voice(settings.tts.voice, voice_dirs(settings)), settings.tts.length_scale, settings.tts.device
        )
    engine.warm_up()
    return engine


def _load_remote_tts(settings: ServerSettings, local: list[TtsEngine]) -> WyomingTtsEngine:
    tts = settings.tts
    caller = _caller(tts.url, tts.remote_timeout_s)
    try:
        return WyomingTtsEngine.connect(caller, tts.remote_voice)
    except RemoteUnavailable as err:
        _unreachable("tts", caller.endpoint.url, err, bool(local))
    # Not known until it answers: its voice by the configured name, its audio resampled to the
    # local engine's rate.
    voice = VoiceInfo(tts.remote_voice or "remote", (), f"remote voice at {caller.endpoint.url}", caller.endpoint.url)
    remote = RemoteTts("", (voice,), Attribution(name="remote Wyoming service", url=""), False)  # "": not known yet
    return WyomingTtsEngine(caller, remote, tts.remote_voice, local[0].sample_rate)


def _load_stt_decoder(name: str, settings: ServerSettings, has_fallback: bool) -> Decoder:
    if name == "faster-whisper":
        decoder = WhisperDecoder(settings.stt)
        decoder.warm_up()
        return decoder
    caller = _caller(settings.stt.url, settings.stt.remote_timeout_s)
    try:
        return WyomingDecoder.connect(caller)
    except RemoteUnavailable as err:
        _unreachable("stt", caller.endpoint.url, err, has_fallback)
    return WyomingDecoder(caller, None)  # down: the fallback answers, and describes the stage


def _load_stt(settings: ServerSettings, home_names: Callable[[], Sequence[str]] | None = None) -> SpeechService:
    names = _chain(settings.stt.backend, list(settings.stt.fallback))
    decoders = [_load_stt_decoder(name, settings, has_fallback=len(names) > 1) for name in names]
    decoder: Decoder = decoders[0] if len(decoders) == 1 else DecoderChain(decoders)
    end_of_turn = None
    if (turn_model := resolve_turn_model(settings.vad.end_of_turn_model)) is not None:
        end_of_turn = SmartTurn(turn_model)
        end_of_turn.warm_up()
    return SpeechService(
        decoder, SileroVad(), settings.vad, settings.wyoming.max_audio_seconds, end_of_turn, settings.stt.final_decode,
        home_names=home_names,
    )


def _load_tts(settings: ServerSettings) -> SpeechSynthesis:
    names = _chain(settings.tts.backend, list(settings.tts.fallback))
    # Local engines first: a remote that is down at start-up takes the rate of the local one.
    local = {name: _load_tts_engine(name, settings) for name in names if name != "wyoming"}
    engines = [local[name] if name != "wyoming" else _load_remote_tts(settings, list(local.values())) for name in names]
    # A remote lists its own voices; one that was down at start-up lists none it is sure of, so the
    # first local engine's voice is what describe offers.
    known = [e for e in engines if not (isinstance(e, WyomingTtsEngine) and not e.remote.program)]
    first = known[0] if known else engines[0]
    voices = list(first.remote.voices) if isinstance(first, WyomingTtsEngine) else [first.voice]
    return SpeechSynthesis(engines, voices, settings.tts.max_text_chars, _language_voices(settings, engines))


def _language_voices(settings: ServerSettings, engines: list[TtsEngine]) -> dict[str, TtsEngine]:
    """One engine per ``--tts-language-voices LANG=ENGINE[:VOICE]``; the chain's own engine when it
    already is that engine and voice (a model is loaded once)."""
    chosen: dict[str, TtsEngine] = {}
    for entry in settings.tts.language_voices:
        language, _, spec = entry.partition("=")
        name, _, voice = spec.partition(":")
        same = [e for e in engines if e.name == name and (not voice or e.voice.name == voice)]
        if same:
            chosen[language] = same[0]
            continue
        field = {"piper": "voice", "kokoro": "kokoro_voice", "edge": "edge_voice", "wyoming": "remote_voice"}.get(name)
        tts = settings.tts.model_copy(update={field: voice}) if voice and field else settings.tts
        local = settings.model_copy(update={"tts": tts})
        chosen[language] = _load_remote_tts(local, engines) if name == "wyoming" else _load_tts_engine(name, local)
        _LOGGER.info("voice for %s: %s %s", language, name, chosen[language].voice.name)
    return chosen


async def load_services(settings: ServerSettings) -> Services:
    """STT and TTS loaded and warmed before any port opens (ConfigError when a model is missing)."""
    started = time.perf_counter()
    # Importing a backend's library is blocking too; the model loads on its own thread in start().
    # The agent comes first: its Home Assistant names bias every transcription (given to STT here).
    agent = await run_blocking(None, create_agent, settings)
    try:
        home_names = agent.home.vocabulary if agent.home is not None else None
        stt = await run_blocking(None, _load_stt, settings, home_names)
        tts = await run_blocking(None, _load_tts, settings)
        await agent.start()
    except BaseException:
        await agent.aclose()
        raise
    _LOGGER.info("models loaded and warmed up in %.1f s", time.perf_counter() - started)
    return Services(stt=stt, tts=tts, agent=agent, limits=frame_limits(settings.wyoming))


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
