"""The turn registry behind ``GET /metrics``: counters and histograms in Prometheus text format.

Turns reach the registry as the plain records of ``pipeline.metrics.TurnSpans.as_dict``, from
the one turn runner (``pipeline/runner.py``) that every face uses, so every face is counted the
same way. Built once by the composition root (``services.py``); ``GET /metrics`` renders it. Written by hand
in the text format (version 0.0.4): four metric families do not justify a dependency.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BUCKETS_S = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
"""Histogram bucket bounds, seconds: dense where the latency targets are (0.3 s, 0.5 s, 2 s)."""

STAGES: dict[str, tuple[str, str]] = {
    "stt": ("vad_end", "stt_done"),
    "first_token": ("stt_done", "first_token"),
    "first_audio": ("first_token", "first_audio_out"),
    "speech_end_to_first_audio": ("vad_end", "first_audio_out"),
    "typed_to_first_audio": ("turn_start", "first_audio_out"),
    "turn": ("turn_start", "turn_end"),
}
"""Stage label -> (from mark, to mark) of ``TurnSpans``; a turn without both marks is skipped."""


@dataclass
class Histogram:
    """Cumulative bucket counts, a sum and a count, as Prometheus wants them."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_S) + 1))
    total: float = 0.0
    n: int = 0

    def observe(self, seconds: float) -> None:
        """Add one observation."""
        self.counts[bisect.bisect_left(BUCKETS_S, seconds)] += 1
        self.total += seconds
        self.n += 1


class TurnMetrics:
    """Counters and histograms over every finished turn of this process."""

    def __init__(self) -> None:
        self.started = time.time()
        self.turns: Counter[tuple[str, str]] = Counter()
        self.errors: Counter[tuple[str, str]] = Counter()
        self.latency: dict[tuple[str, str], Histogram] = {}

    def observe(self, record: Mapping[str, Any], face: str) -> None:
        """Count one turn record (``TurnSpans.as_dict()``) from ``face`` (``ws``, ``satellite``)."""
        outcome = str(record.get("outcome") or ("cancelled" if record.get("cancelled") else "unknown"))
        self.turns[(face, outcome)] += 1
        if record.get("error"):
            self.errors[(face, str(record["error"]))] += 1
        marks: Mapping[str, float | None] = record.get("since_start_ms") or {}
        spoken = marks.get("vad_end") is not None or marks.get("stt_done") is not None
        for stage, (start, end) in STAGES.items():
            if stage == "typed_to_first_audio" and spoken:
                continue
            begin, finish = marks.get(start), marks.get(end)
            if begin is not None and finish is not None and finish >= begin:
                self.latency.setdefault((face, stage), Histogram()).observe((finish - begin) / 1000)

    def render(self, gauges: Mapping[str, tuple[str, float]]) -> str:
        """The exposition text; ``gauges`` adds name -> (help, value) point-in-time values."""
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"])

        family("aria_turns_total", "counter", "Finished turns by face and outcome.")
        lines.extend(f'aria_turns_total{{face="{f}",outcome="{o}"}} {n}' for (f, o), n in sorted(self.turns.items()))
        family("aria_errors_total", "counter", "Turns that ended with an error, by face and error code.")
        lines.extend(f'aria_errors_total{{face="{f}",code="{c}"}} {n}' for (f, c), n in sorted(self.errors.items()))
        family("aria_stage_latency_seconds", "histogram", "Latency of each stage of a turn (see aria_server/http/metrics.py).")
        for (face, stage), hist in sorted(self.latency.items()):
            labels = f'face="{face}",stage="{stage}"'
            cumulative = 0
            for bound, count in zip((*BUCKETS_S, float("inf")), hist.counts, strict=True):
                cumulative += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'aria_stage_latency_seconds_bucket{{{labels},le="{le}"}} {cumulative}')
            lines.append(f"aria_stage_latency_seconds_sum{{{labels}}} {hist.total:.6f}")
            lines.append(f"aria_stage_latency_seconds_count{{{labels}}} {hist.n}")
        for name, (help_text, value) in gauges.items():
            family(name, "gauge", help_text)
            lines.append(f"{name} {value:g}")
        family("aria_start_time_seconds", "gauge", "Unix time the server started.")
        lines.append(f"aria_start_time_seconds {self.started:.3f}")
        return "\n".join(lines) + "\n"

