"""The disturbance figure: CPU that neither the server nor the bench used, in cores."""

from __future__ import annotations

import os

import pytest

from aria_bench.cpu import CpuSnapshot, CpuWatch, describe, measured


def test_other_cores_subtracts_the_server_and_the_bench() -> None:
    start = CpuSnapshot(wall=10.0, machine=100.0, server=40.0, own=5.0)
    end = CpuSnapshot(wall=12.0, machine=103.0, server=41.5, own=5.5)
    # 3 s busy in 2 s, of which 1.5 s server and 0.5 s bench: 1 s other = 0.5 cores.
    assert CpuWatch.other_cores(start, end) == pytest.approx(0.5)
    assert CpuWatch.other_cores(start, start) == 0.0


class _ScriptedWatch:
    """Stands in for other processes' load, which a test cannot produce on demand."""

    def __init__(self, others: list[float]) -> None:
        self.others = others
        self.calls = 0

    def snapshot(self) -> CpuSnapshot:
        return CpuSnapshot(wall=float(self.calls), machine=0.0, server=0.0, own=0.0)

    def other_cores(self, start: CpuSnapshot, end: CpuSnapshot) -> float:
        self.calls += 1
        return self.others[self.calls - 1]


async def test_disturbed_requests_are_run_again_up_to_a_limit() -> None:
    attempts = 0

    async def attempt() -> int:
        nonlocal attempts
        attempts += 1
        return attempts

    watch = _ScriptedWatch([0.9, 0.8, 0.1])
    result, other, retries = await measured(watch, 0.3, attempt)  # type: ignore[arg-type]
    assert (result, other, retries) == (3, 0.1, 2)
    # Without a threshold the figure is only recorded.
    result, other, retries = await measured(_ScriptedWatch([0.9]), None, attempt)  # type: ignore[arg-type]
    assert (other, retries) == (0.9, 0)
    assert await measured(None, 0.3, attempt) == (5, None, 0)


def test_a_real_watch_on_this_process_reports_a_small_non_negative_figure() -> None:
    watch = CpuWatch.create(os.getpid())
    if watch is None:
        pytest.skip("needs Linux /proc/stat and psutil")
    assert CpuWatch.other_cores(watch.snapshot(), watch.snapshot()) >= 0.0


def test_describe() -> None:
    assert describe([None, None], 0) is None
    line = describe([0.1, 0.3, 0.2], 1)
    assert line is not None and "median 0.20 cores, max 0.30" in line and "re-run 1" in line
