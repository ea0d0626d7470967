"""Latency spans of one turn: a mark per stage on the monotonic clock, reported in ms.

The marks come from the turn's ``PipelineEvent`` stream (``observe``) and from the face that
plays the reply (``mark``: first audio sent, playback start and stop reported by a satellite):

    vad_start  vad_end  audio_end  stt_done  first_token  first_clause  first_audio_out  playback_start  playback_stop

``audio_end`` is a client's ``audio-stop`` where the client, not Aria, ends the audio (a Wyoming
``asr`` request: ``wyoming/request_spans.py``).

``as_dict`` gives each mark in ms since the turn started and, for marks after the end of
speech, in ms since ``vad_end`` (the figure a user feels), plus the raw monotonic marks (the
clock is shared by the processes of one machine, so a benchmark can line them up with a clip).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..events import EventType, PipelineEvent

STAGES = (
    "turn_start",
    "vad_start",
    "vad_end",
    "audio_end",
    "stt_done",
    "first_token",
    "first_clause",
    "first_audio_out",
    "playback_start",
    "playback_stop",
    "turn_end",
)
"""Every mark a turn may have, in the order they normally happen."""


@dataclass
class TurnSpans:
    """The marks of one turn; the first value of a mark wins (later ones are ignored)."""

    turn_id: str = ""
    marks: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    """Plain facts about the turn (transcript, outcome, satellite, barge-in...)."""

    def mark(self, stage: str, t_ns: int | None = None) -> None:
        """Record ``stage`` at monotonic ``t_ns`` (now when None), unless already recorded."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        self.marks.setdefault(stage, t_ns if t_ns is not None else time.monotonic_ns())

    def observe(self, event: PipelineEvent) -> None:
        """Take the marks a pipeline event carries."""
        if not self.turn_id:
            self.turn_id = event.turn_id
        if event.type is EventType.TURN_START:
            self.mark("turn_start", event.t_ns)
        elif event.type is EventType.VAD_START:
            self.mark("vad_start", event.t_ns)
        elif event.type is EventType.VAD_END:
            self.mark("vad_end", event.t_ns)
        elif event.type is EventType.STT_END:
            self.mark("stt_done", event.t_ns)
            self.info["transcript"] = event.data.get("text", "")
            self.info["stt"] = dict(
                event.data.get("timings_ms", {}),
                speculative=event.data.get("speculative"),
                first_pass=event.data.get("first_pass", False),
                at_pause=event.data.get("at_pause", False),
            )
        elif event.type is EventType.LLM_DELTA:
            self.mark("first_token", event.t_ns)
        elif event.type is EventType.LLM_END:
            self.info["reply"] = event.data.get("text", "")
        elif event.type is EventType.TTS_CHUNK:
            self.mark("first_clause", int(event.data.get("clause_t_ns") or event.t_ns))
        elif event.type is EventType.ERROR:
            self.info["error"] = event.data.get("code")
        elif event.type is EventType.TURN_END:
            self.mark("turn_end", event.t_ns)
            self.info["outcome"] = event.data.get("outcome")
            if "speculation" in event.data:
                # hit / miss / cancelled / unused: whether the reply was started at the pause.
                self.info["speculation"] = event.data["speculation"]

    def ms(self, stage: str, since: str = "turn_start") -> float | None:
        """Milliseconds from ``since`` to ``stage``; None when either is missing."""
        if stage not in self.marks or since not in self.marks:
            return None
        return round((self.marks[stage] - self.marks[since]) / 1e6, 1)

    def as_dict(self) -> dict[str, Any]:
        """Plain data: marks since the turn start, and since the end of speech where it applies."""
        ordered = [stage for stage in STAGES if stage in self.marks]
        since_start = {stage: self.ms(stage) for stage in ordered}
        after_speech: dict[str, float | None] = {}
        if "vad_end" in self.marks:
            after_speech = {
                stage: self.ms(stage, "vad_end") for stage in ordered if self.marks[stage] >= self.marks["vad_end"]
            }
        return {
            "turn_id": self.turn_id,
            "since_start_ms": since_start,
            "since_vad_end_ms": after_speech,
            "marks_ns": {stage: self.marks[stage] for stage in ordered},
            **self.info,
        }
