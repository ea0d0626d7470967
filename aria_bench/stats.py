"""Order statistics for benchmark samples: median and p95 without numpy."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks (numpy's default).

    ``percentile([1, 2, 3, 4], 50) == 2.5``; raises ``ValueError`` for an empty sequence.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The 50th percentile."""
    return percentile(values, 50.0)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile: with few samples this is close to the maximum, as it should be."""
    return percentile(values, 95.0)


@dataclass(frozen=True)
class Summary:
    """Summary of one measured quantity; units are the caller's (milliseconds, ratio...)."""

    n: int
    median: float
    p95: float
    min: float
    max: float
    mean: float

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


def summarize(values: Sequence[float]) -> Summary:
    """Median, p95, extremes and mean of a non-empty sample."""
    if not values:
        raise ValueError("summary of no values")
    return Summary(
        n=len(values),
        median=median(values),
        p95=p95(values),
        min=min(values),
        max=max(values),
        mean=sum(values) / len(values),
    )
