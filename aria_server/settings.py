"""The single settings tree of the server, read once from TOML, environment and command line.

Precedence: command line > environment (``ARIA_`` + option) > TOML file > defaults.
Every leaf field is one command-line option, named ``--<section>-<field>`` (``--stt-model``),
or ``--<field>`` for top-level fields (``--host``); the option table is derived from the models
below, so a new field is a new option with no other code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aria_wire import settings_tree

from .satellite_profiles import NO_PROFILE, SatelliteProfile, fold_section


def default_data_dir() -> Path:
    """Where config and history live unless ``--data-dir`` says otherwise (XDG data home)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aria"


class _Section(BaseModel):
    """Frozen and strict about unknown keys, so a typo in the config file is reported."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


SttBackend = Literal["faster-whisper", "wyoming"]
TtsBackend = Literal["piper", "coqui", "kokoro", "wyoming", "edge"]
FinalDecode = Literal["first-pass", "full"]
LOCAL_TTS = ("piper", "coqui", "kokoro")
"""Engines that run on this machine (edge and wyoming depend on another one)."""


def _check_remote(section: str, backend: str, fallback: list[str], url: str | None) -> None:
    """A wyoming backend anywhere in the chain needs its URL (checked at load, not at first use)."""
    if "wyoming" in (backend, *fallback) and not url:
        raise ValueError(f"the wyoming {section} backend needs --{section}-url tcp://HOST:PORT")


class SttSettings(_Section):
    """Speech-to-text: faster-whisper in-process, or a remote Wyoming ASR service."""

    backend: SttBackend = Field("faster-whisper", description="faster-whisper (in-process) or wyoming (a remote service)")
    fallback: list[SttBackend] = Field(
        default_factory=list, description="backends tried in order when the first cannot be reached"
    )
    url: str | None = Field(None, description="remote Wyoming ASR service, tcp://HOST:PORT (wyoming backend)")
    remote_timeout_s: float = Field(
        30.0, gt=0.0, le=600.0, description="s one remote transcription may take before it counts as failed"
    )
    model: str = Field("tiny.en", description="Whisper model: a name (tiny.en is bundled) or a CTranslate2 model directory")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: CUDA when present, else CPU")
    compute_type: str = Field("default", description="CTranslate2 compute type (default: int8 on CPU, float16 on CUDA)")
    beam_size: int = Field(5, ge=1, le=10, description="beam search width")
    language: str | None = Field("en", description="spoken language code; empty for auto-detection")
    cpu_threads: int = Field(0, ge=0, le=256, description="CPU threads for inference (0: all cores)")
    first_pass_threads: int = Field(
        1, ge=0, le=256, description="CPU threads of the first pass at a pause, on a second copy of the model "
        "(0: the same model and cpu_threads; on 2 cores one thread read a 10 s window in ~115 ms, two in ~150 ms)"
    )
    final_decode: FinalDecode = Field(
        "first-pass",
        description="a spoken turn's transcript: first-pass (the words the 10 s first pass read at the turn's last "
        "pause: no 30 s decode, ~0.35 s sooner on a CPU) or full (Whisper's 30 s decode after the turn ends)",
    )

    @field_validator("final_decode", mode="before")
    @classmethod
    def _older_final_decode(cls, value: object) -> object:
        """``verified`` (two windows that had to agree) was replaced by ``first-pass``: read as it."""
        return "first-pass" if value == "verified" else value

    @model_validator(mode="after")
    def _remote_has_url(self) -> SttSettings:
        _check_remote("stt", self.backend, list(self.fallback), self.url)
        return self


class VadSettings(_Section):
    """Voice activity detection (Silero) used for trimming, gating and endpointing."""

    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="speech probability above which a 32 ms frame is speech")
    speculate_after_ms: int = Field(
        96, ge=32, le=5000, description="ms of silence after speech before the quick pass reads the words so far "
        "(and a speculative decode starts)"
    )
    settle_after_ms: int = Field(
        160, ge=32, le=5000, description="ms of silence after which a pause is judged by how it sounds (end-of-turn "
        "model) and the final decode starts; the words are read earlier, at speculate_after_ms"
    )
    end_of_speech_ms: int = Field(600, ge=64, le=10000, description="ms of silence that end a spoken turn (endpointing)")
    complete_request_end_ms: int = Field(
        160,
        ge=0,
        le=10000,
        description="ms of silence that end a turn early when the speculative transcript is already a whole "
        "local request such as 'what time is it' (0: always wait end_of_speech_ms)",
    )
    end_of_turn_model: str = Field(
        "auto",
        description="semantic end-of-turn model: auto (Smart Turn v3.2 when scripts/setup.sh unpacked it), none, "
        "or a path to its .onnx",
    )
    end_of_turn_threshold: float = Field(
        0.5, gt=0.0, lt=1.0, description="probability above which the end-of-turn model's 'the speaker is done' counts"
    )
    complete_turn_end_ms: int = Field(
        250,
        ge=0,
        le=10000,
        description="ms of silence that end a turn that sounds finished (end-of-turn model) and whose words do not "
        "stop mid-sentence (0: off)",
    )
    incomplete_turn_end_ms: int = Field(
        1200,
        ge=0,
        le=10000,
        description="ms of silence waited instead of end_of_speech_ms when the words so far stop mid-sentence "
        "('set a timer for ...'; 0: off)",
    )
    speech_pad_ms: int = Field(250, ge=0, le=2000, description="ms of audio kept around detected speech when trimming")
    min_speech_ms: int = Field(90, ge=0, le=2000, description="speech shorter than this (ms) is treated as noise")


class TtsSettings(_Section):
    """Text-to-speech."""

    backend: TtsBackend = Field("piper", description="first TTS backend to try (wyoming: a remote service)")
    fallback: list[TtsBackend] = Field(
        default_factory=list, description="backends tried in order when the first one fails"
    )
    url: str | None = Field(None, description="remote Wyoming TTS service, tcp://HOST:PORT (wyoming backend)")
    remote_voice: str | None = Field(None, description="voice asked of the remote TTS service (default: its own)")
    remote_timeout_s: float = Field(
        30.0, gt=0.0, le=600.0, description="s one remote synthesis of a piece may take before it counts as failed"
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Piper/Kokoro: auto: CUDA when onnxruntime-gpu provides it, else CPU"
    )
    voice: str = Field("en_US-joe-medium", description="Piper voice: a name (en_US-joe-medium is bundled) or an .onnx path")
    voices_dir: Path | None = Field(None, description="extra directory searched for <voice>.onnx (default: <data-dir>/voices)")
    coqui_model: Path | None = Field(None, description="Coqui model checkpoint path (with coqui_config)")
    coqui_config: Path | None = Field(None, description="Coqui config.json path")
    language_voices: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}=(piper|coqui|kokoro|wyoming|edge)(:[^:]+)?$")]] = Field(
        default_factory=list,
        description="a voice per language, LANG=ENGINE[:VOICE] (ja=kokoro:jf_alpha, de=piper:de_DE-thorsten-medium), "
        "used when the transcript's language or the satellite's setting is LANG (repeatable)",
    )
    edge_voice: str = Field(
        "en-US-AriaNeural", description="Edge-TTS voice (online: the text is sent to Microsoft's service)"
    )
    kokoro_voice: str = Field("jf_alpha", description="Kokoro voice in the voices file (bundled: jf_alpha, jf_gongitsune, "
                              "jf_nezumi, jf_tebukuro, jm_kumo; Japanese)")
    kokoro_model: Path | None = Field(None, description="Kokoro ONNX model path (default: the kokoro extra's int8 model)")
    kokoro_voices: Path | None = Field(None, description="Kokoro voices .npz (default: the kokoro extra's Japanese voices)")
    length_scale: float | None = Field(None, gt=0.1, lt=5.0, description="speaking rate (1.0 normal, >1 slower)")
    max_text_chars: int = Field(10_000, ge=1, le=1_000_000, description="longest text accepted for one synthesis")

    @model_validator(mode="after")
    def _remote_has_url(self) -> TtsSettings:
        _check_remote("tts", self.backend, list(self.fallback), self.url)
        chain = (self.backend, *self.fallback)
        if "edge" in chain and not any(name in LOCAL_TTS for name in chain):
            raise ValueError(
                "the edge TTS backend sends text to Microsoft's online service: it needs a local engine "
                "in the chain (--tts-fallback piper)"
            )
        return self


class LlmSettings(_Section):
    """Conversation (language model)."""

    backend: Literal["embedded", "ollama", "openai", "none"] = Field(
        "embedded", description="embedded llama.cpp, an Ollama server, an OpenAI-compatible server, or none"
    )
    url: str | None = Field(None, description="server URL for ollama/openai backends")
    model: str | None = Field(
        None,
        description="model name (ollama/openai); embedded: a GGUF path or a bundled model "
        "(qwen2.5-coder-1.5b-instruct, the default; qwen2.5-coder-0.5b-instruct for low memory; "
        "smollm2-135m-instruct, the test model)",
    )
    system_prompt: str = Field(
        "You are Aria, a helpful voice assistant in a home. Answer in one or two short spoken sentences, "
        "in plain words, without lists or markdown. You cannot act on the home or look anything up: "
        "never say that you did something. You know nothing about the person you talk to but what they "
        "told you in this conversation: asked about them, say you do not know.",
        description="instructions sent before every conversation",
    )
    tools_system_prompt: str = Field(
        "You are Aria, a voice assistant in a home. Answer in one or two short spoken sentences, in plain "
        "words, without lists or markdown. To control or check a device in the home, call a tool; never say "
        "you did something a tool did not do.",
        description="instructions sent instead of the system prompt when tools (Home Assistant's) are offered",
    )
    home_mapping: bool = Field(
        True,
        description="map requests about the home that Home Assistant's templates miss onto its intents with the "
        "model, decoded under a schema of the home's real names (precision first: the request must name the target)",
    )
    tool_rounds: int = Field(3, ge=1, le=8, description="model rounds in one turn that may call tools")
    temperature: float = Field(
        0.0, ge=0.0, le=2.0,
        description="sampling temperature; 0 (greedy, the default): a factual answer is the model's most likely "
        "one, and the same every time (the figures in docs/models.md were measured so)",
    )
    consistency_check: bool = Field(
        False,
        description="say \"I'm not sure\" when the model's answer and its bare answer to the same question "
        "disagree on a number or name (conversation/consistency.py); costs a short extra generation before "
        "the first word. Off until measured on the bench's question set (docs/models.md)",
    )
    fallback: list[Literal["embedded", "ollama", "openai", "none"]] = Field(
        default_factory=list,
        description="backends tried in order when the first fails (none: the apology only); url/model apply to the first",
    )
    api_key: str | None = Field(None, description="API key sent to an OpenAI-compatible server (most local ones need none)")
    prompt_style: Literal["auto", "completion", "chat"] = Field(
        "auto",
        description="embedded: completion (few-shot, for base models) or chat (the GGUF's chat template); "
        "auto: chat (every bundled model is instruction-tuned)",
    )
    context_size: int = Field(
        4096, ge=512, le=1_048_576, description="context window in tokens (Ollama num_ctx, llama.cpp n_ctx, history budget)"
    )
    max_tokens: int = Field(
        200, ge=8, le=8192, description="longest reply in tokens (a base model driven as a completion stops at 64)"
    )
    first_token_timeout_s: float = Field(
        4.0, gt=0.0, le=600.0, description="s without a first token (or between tokens) before the backend counts as failed"
    )
    start_timeout_s: float = Field(
        30.0, gt=0.0, le=3600.0,
        description="s a backend may take to answer its start-up check and warm-up; a slower one starts "
        "degraded and is retried in the background (the ports open either way)",
    )
    keep_alive: str = Field("30m", description="how long Ollama keeps the model loaded after a request (-1: forever)")
    conversation_idle_s: float = Field(
        300.0, ge=0.0, le=86_400.0, description="s of silence after which a satellite or session starts a new conversation"
    )
    speculative: bool = Field(
        False,
        description="start the reply on the quick transcript at a pause that ends the turn; it is spoken only "
        "once the final transcript is the same request (else it is cancelled and started afresh). Off by "
        "default until measured on a quiet machine: on two cores the model competes with Whisper's final decode",
    )
    threads: int = Field(0, ge=0, le=256, description="CPU threads of the embedded model (0: all cores)")
    gpu_layers: int = Field(
        0, ge=-1, le=10_000,
        description="embedded: layers offloaded to the GPU (-1: all) when llama-cpp-python was built with CUDA "
        "(docs/speech-models.md, On a GPU); 0: CPU only",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        description="languages the conversation accepts; others are answered not-handled",
    )


class WyomingSettings(_Section):
    """The Wyoming server and its frame limits."""

    port: int = Field(10800, ge=0, le=65535, description="TCP port of the Wyoming server (0: any free port)")
    max_line_bytes: int = Field(65_536, ge=1024, le=16_777_216, description="longest JSON header line, bytes")
    max_data_bytes: int = Field(1_048_576, ge=1024, le=268_435_456, description="largest data section, bytes")
    max_payload_bytes: int = Field(1_048_576, ge=1024, le=268_435_456, description="largest binary payload, bytes")
    max_audio_seconds: float = Field(60.0, gt=0.0, le=3600.0, description="longest audio accepted for one transcription, s")
    max_connections: int = Field(64, ge=1, le=10_000, description="Wyoming connections served at once, in total")
    max_connections_per_peer: int = Field(
        16, ge=1, le=10_000, description="Wyoming connections served at once from one IP address"
    )
    idle_timeout_s: float = Field(
        120.0, gt=0.0, le=86_400.0,
        description="s a Wyoming connection may send nothing (while no answer is in flight) before it is closed",
    )


class HttpSettings(_Section):
    """The HTTP API and dashboard."""

    port: int = Field(8780, ge=0, le=65535, description="TCP port of the HTTP API and dashboard (0: any free port)")
    require_token: bool = Field(
        False, description="require the API token even on a loopback address (always required off loopback)"
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="extra browser origins allowed to call the API and /ws (scheme://host:port)"
    )
    max_body_bytes: int = Field(65_536, ge=1024, le=16_777_216, description="largest HTTP request body, bytes")
    max_ws_message_bytes: int = Field(
        65_536, ge=2048, le=16_777_216, description="largest WebSocket message from a client, bytes"
    )


class SatellitesSettings(_Section):
    """The server's side of each satellite: keep-alive, turn timing, server-side wake word, arbitration."""

    ping_interval_s: float = Field(5.0, gt=0.0, le=3600.0, description="s between pings to a connected satellite")
    ping_timeout_s: float = Field(
        15.0, gt=0.0, le=3600.0, description="s of silence after which a satellite that answered pings is dropped"
    )
    follow_up_s: float = Field(
        6.0, gt=0.0, le=600.0, description="s the microphone stays open for the answer to a question in a reply"
    )
    no_speech_s: float = Field(8.0, gt=0.0, le=600.0, description="s without speech after which a turn ends")
    wake_model: str = Field(
        "okay_nabu", description="server-side wake word model, for satellites that stream all the time"
    )
    wake_threshold: float = Field(0.5, gt=0.0, lt=1.0, description="server-side wake word score that counts as a detection")
    wake_refractory_s: float = Field(
        2.0, ge=0.0, le=60.0, description="s after a server-side detection during which the wake word is not heard again"
    )
    arbitration_window_s: float = Field(
        0.2, ge=0.0, le=5.0, description="s to wait for other rooms hearing the same wake word; the best one answers"
    )
    profiles: dict[str, SatelliteProfile] = Field(
        default_factory=dict,
        description="per-satellite settings: a [satellites.NAME] table (see below); on the command line "
        "NAME.KEY=VALUE (kitchen.area=Kitchen, repeatable); the older --satellites-areas etc. fill it too",
    )
    microphone_chunks: int = Field(
        64, ge=4, le=4096, description="audio chunks of a turn buffered for the pipeline (more slows the satellite down)"
    )

    @model_validator(mode="before")
    @classmethod
    def _fold_profiles(cls, data: Any) -> Any:
        """Every spelling of the per-satellite table becomes ``profiles`` (satellite_profiles.py)."""
        return fold_section(data) if isinstance(data, Mapping) else data

    def profile(self, name: str) -> SatelliteProfile:
        """What is configured for satellite ``name`` (every key unset when nothing is)."""
        return self.profiles.get(name, NO_PROFILE)


class HomeAssistantSettings(_Section):
    """Home Assistant as the home: its intent engine answers device commands and questions."""

    url: str | None = Field(None, description="Home Assistant's base URL (http://homeassistant.local:8123); empty: no home control")
    token_file: Path | None = Field(
        None, description="file holding a Home Assistant long-lived access token (re-read when it changes)"
    )
    token: str | None = Field(
        None, description="the long-lived access token itself (env ARIA_HA_TOKEN; token_file wins when both are set)"
    )
    timeout_s: float = Field(
        10.0, gt=0.0, le=120.0, description="s one Home Assistant request may take before the home counts as unreachable"
    )
    mcp: Literal["auto", "http", "sse", "off"] = Field(
        "off",
        description="Home Assistant's tools for the language model over MCP (its mcp_server integration): "
        "http (/api/mcp, newer releases), sse (/mcp_server/sse, 2025.4), auto (http, then sse), off. "
        "Off by default: requests about the home are answered from Home Assistant's intents, never by the model",
    )
    call_service_domains: list[str] = Field(
        default_factory=list,
        description="domains the model may call any service of directly (call_service over REST); empty: off",
    )
    trusted_clients: list[str] = Field(
        default_factory=list,
        description="Wyoming clients (IP addresses or networks, e.g. 192.168.1.10 or 10.0.0.0/24; 'unix' for the "
        "Unix socket) that may ask for security-sensitive actions (unlock, open the garage), after a spoken "
        "confirmation; any other Wyoming client is refused them",
    )

    @field_validator("call_service_domains", "trusted_clients", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """``light,switch`` as well as a repeated option or a TOML list."""
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):
            return [part.strip() for item in items for part in str(item).split(",") if part.strip()]
        return value


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class ServerSettings(_Section):
    """Everything the server needs; each component receives only its own section."""

    host: str = Field("127.0.0.1", description="address to bind; 0.0.0.0 exposes Aria to the network")
    data_dir: Path = Field(default_factory=default_data_dir, description="where config and history are kept")
    zeroconf: bool = Field(
        True, description="advertise the Wyoming server over zeroconf (mDNS) where it can be reached (bound to loopback: not at all)"
    )
    satellite: list[str] = Field(default_factory=list, description="satellite address tcp://HOST:PORT (repeatable)")
    log_level: Annotated[LogLevel, Field(description="log verbosity")] = "INFO"
    stt: SttSettings = Field(default_factory=SttSettings)
    vad: VadSettings = Field(default_factory=VadSettings)
    tts: TtsSettings = Field(default_factory=TtsSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    wyoming: WyomingSettings = Field(default_factory=WyomingSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    satellites: SatellitesSettings = Field(default_factory=SatellitesSettings)
    ha: HomeAssistantSettings = Field(default_factory=HomeAssistantSettings)


def section_names() -> list[str]:
    """The nested sections of ServerSettings, in declaration order."""
    return settings_tree.section_names(ServerSettings)


def leaf_paths() -> dict[str, tuple[str, ...]]:
    """Option name (``stt-model``) -> path in the tree (``("stt", "model")``) for every leaf."""
    return settings_tree.leaf_paths(ServerSettings)


def field_info(path: tuple[str, ...]) -> Any:
    """The pydantic FieldInfo at ``path``."""
    return settings_tree.field_info(ServerSettings, path)
