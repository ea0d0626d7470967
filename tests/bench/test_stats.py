"""Median and p95 as the benchmark tables report them."""

from __future__ import annotations

import numpy as np
import pytest

from aria_bench.stats import median, p95, percentile, summarize


def test_median_of_odd_and_even_samples() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_p95_interpolates_between_ranks_like_numpy() -> None:
    rng = np.random.default_rng(7)
    for size in (1, 2, 5, 8, 40):
        values = list(rng.exponential(300.0, size))
        assert p95(values) == pytest.approx(float(np.percentile(values, 95)))
        assert percentile(values, 0) == min(values)
        assert percentile(values, 100) == max(values)


def test_p95_of_one_to_twenty() -> None:
    assert p95([float(v) for v in range(1, 21)]) == pytest.approx(19.05)


def test_summary_fields() -> None:
    summary = summarize([10.0, 20.0, 30.0, 40.0])
    assert (summary.n, summary.median, summary.min, summary.max, summary.mean) == (4, 25.0, 10.0, 40.0, 25.0)
    assert summary.as_dict()["p95"] == pytest.approx(38.5)


@pytest.mark.parametrize("call", [lambda: median([]), lambda: summarize([]), lambda: percentile([1.0], 101)])
def test_bad_input_is_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
