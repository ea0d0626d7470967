"""What a streaming session is given: how to hear one utterance, and the shared models."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from aria_wire.audio import PcmFormat

from ..settings import FinalDecode
from ..vad.base import VoiceActivityDetector
from ..vad.end_of_turn import TurnCompletion
from .base import Decoder


@dataclass(frozen=True)
class SessionOptions:
    """How one utterance is heard (frozen: fixed when the session starts)."""

    fmt: PcmFormat
    language: str | None = None
    max_seconds: float = 60.0
    endpointing: bool = False
    """Silence ends the turn (satellites, /ws); False: the client ends the audio (Wyoming asr)."""
    hotwords: str | None = None
    """Phrases the full decode favours."""
    final_decode: FinalDecode = "full"
    clock: Callable[[], float] = time.monotonic
    """Tells a microphone from a recording (tests pass a simulated one)."""


@dataclass(frozen=True)
class SessionModels:
    """What every session shares: the models and the threads they run on."""

    decoder: Decoder
    vad: VoiceActivityDetector
    decode_executor: Executor
    vad_executor: Executor
    end_of_turn: TurnCompletion | None = None
    turn_executor: Executor | None = None
