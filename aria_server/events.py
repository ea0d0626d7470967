"""The typed event stream of one turn, shared by every face, the metrics and the benchmark."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    """What happened in a turn, in the order it normally happens."""

    TURN_START = "turn-start"
    VAD_START = "vad-start"
    VAD_END = "vad-end"
    STT_PARTIAL = "stt-partial"
    STT_END = "stt-end"
    LLM_DELTA = "llm-delta"
    LLM_END = "llm-end"
    TTS_CHUNK = "tts-chunk"
    TTS_END = "tts-end"
    ERROR = "error"
    TURN_END = "turn-end"


@dataclass(frozen=True)
class PipelineEvent:
    """One event; ``t_ns`` is monotonic nanoseconds, so spans are plain differences."""

    type: EventType
    turn_id: str
    data: Mapping[str, Any] = field(default_factory=dict)
    t_ns: int = field(default_factory=time.monotonic_ns)
