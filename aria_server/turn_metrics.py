"""The turn registry behind ``GET /metrics``, exposed through ``prometheus_client``.

Turns reach the registry as the plain records of ``pipeline.metrics.TurnSpans.as_dict``, from
the one turn runner (``pipeline/runner.py``) that every face uses, so every face is counted the
same way; a Wyoming ``asr`` or ``synthesize`` request (Home Assistant's STT and TTS) is no turn
and is recorded by ``wyoming/request_spans.py`` under the faces ``wyoming-asr`` / ``wyoming-tts``. Built once by the composition root (``services.py``); ``GET /metrics`` renders it. Each server has
its own ``CollectorRegistry`` (not the library's global one), so two servers in one process (the
tests) never share counts; ``prometheus_client`` writes the text format and escapes label values.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

# `_created` samples double every series for no use of ours (Prometheus ignores them by default).
prometheus_client.disable_created_metrics()

BUCKETS_S = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
"""Histogram bucket bounds, seconds: dense where the latency targets are (0.3 s, 0.5 s, 2 s)."""

STAGES: dict[str, tuple[str, str]] = {
    "stt": ("vad_end", "stt_done"),
    "asr": ("audio_end", "stt_done"),
    "first_token": ("stt_done", "first_token"),
    "first_audio": ("first_token", "first_audio_out"),
    "speech_end_to_first_audio": ("vad_end", "first_audio_out"),
    "typed_to_first_audio": ("turn_start", "first_audio_out"),
    "turn": ("turn_start", "turn_end"),
}
"""Stage label -> (from mark, to mark) of ``TurnSpans``; a turn without both marks is skipped."""

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST


class TurnMetrics:
    """Counters and histograms over every finished turn of this process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.turns = Counter(
            "aria_turns", "Finished turns by face and outcome.", ("face", "outcome"), registry=self.registry
        )
        self.errors = Counter(
            "aria_errors", "Turns that ended with an error, by face and error code.", ("face", "code"),
            registry=self.registry,
        )
        self.speculations = Counter(
            "aria_speculations", "Replies started at a pause before the turn ended, by face and outcome "
            "(hit: spoken as the reply; miss: the final words differed; cancelled; unused: no model needed).",
            ("face", "outcome"), registry=self.registry,
        )
        self.latency = Histogram(
            "aria_stage_latency_seconds", "Latency of each stage of a turn (see aria_server/turn_metrics.py).",
            ("face", "stage"), buckets=BUCKETS_S, registry=self.registry,
        )
        start = Gauge("aria_start_time_seconds", "Unix time the server started.", registry=self.registry)
        start.set(time.time())
        self._gauges: dict[str, Gauge] = {}

    def observe(self, record: Mapping[str, Any], face: str) -> None:
        """Count one turn record (``TurnSpans.as_dict()``) from ``face`` (``ws``, ``satellite``)."""
        outcome = str(record.get("outcome") or ("cancelled" if record.get("cancelled") else "unknown"))
        self.turns.labels(face, outcome).inc()
        if record.get("error"):
            self.errors.labels(face, str(record["error"])).inc()
        if record.get("speculation"):
            self.speculations.labels(face, str(record["speculation"])).inc()
        marks: Mapping[str, float | None] = record.get("since_start_ms") or {}
        spoken = marks.get("vad_end") is not None or marks.get("stt_done") is not None
        for stage, (start, end) in STAGES.items():
            if stage == "typed_to_first_audio" and spoken:
                continue
            begin, finish = marks.get(start), marks.get(end)
            if begin is not None and finish is not None and finish >= begin:
                self.latency.labels(face, stage).observe((finish - begin) / 1000)

    def render(self, gauges: Mapping[str, tuple[str, float]]) -> bytes:
        """The exposition text; ``gauges`` sets name -> (help, value) point-in-time values first."""
        for name, (help_text, value) in gauges.items():
            gauge = self._gauges.get(name)
            if gauge is None:
                gauge = self._gauges[name] = Gauge(name, help_text, registry=self.registry)
            gauge.set(value)
        return generate_latest(self.registry)
