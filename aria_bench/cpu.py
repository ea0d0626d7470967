"""How much CPU *other* processes used while a request was measured (a 2-core box is shared).

System-wide busy time comes from ``/proc/stat``; the server's own CPU time (``--pid`` and its
children) and this process's are subtracted. What is left, divided by the wall time, is the
disturbance in cores: 0 on a quiet machine, 1.0 when another program kept a whole core busy.
Linux only; elsewhere ``CpuWatch.create`` returns None and nothing is reported.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import BenchError
from .stats import median

T = TypeVar("T")

MAX_ATTEMPTS = 5
"""A disturbed request is tried at most this many times; the last try is kept whatever it saw."""


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far: by the whole machine, by the server tree, by this process."""

    wall: float
    machine: float
    server: float
    own: float


def _machine_busy_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """Snapshots of CPU time around each measured request."""

    def __init__(self, pid: int) -> None:
        import psutil

        self._psutil = psutil
        try:
            self._server = psutil.Process(pid)
        except psutil.Error as err:
            raise BenchError(f"cannot watch pid {pid}: {err}") from err
        self._self = psutil.Process()

    @classmethod
    def create(cls, pid: int | None) -> CpuWatch | None:
        """A watch for ``pid``, or None without a pid, without /proc/stat or without psutil."""
        if pid is None or not Path("/proc/stat").exists():
            return None
        try:
            import psutil  # noqa: F401
        except ImportError:
            return None
        return cls(pid)

    def _server_seconds(self) -> float:
        total = 0.0
        try:
            processes = [self._server, *self._server.children(recursive=True)]
        except self._psutil.Error:
            return 0.0
        for process in processes:
            with contextlib.suppress(self._psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def snapshot(self) -> CpuSnapshot:
        """The counters now."""
        own = self._self.cpu_times()
        return CpuSnapshot(
            wall=time.perf_counter(),
            machine=_machine_busy_seconds(),
            server=self._server_seconds(),
            own=own.user + own.system,
        )

    @staticmethod
    def other_cores(start: CpuSnapshot, end: CpuSnapshot) -> float:
        """Average cores used by everything except the server and the bench between two snapshots."""
        wall = end.wall - start.wall
        if wall <= 0:
            return 0.0
        other = (end.machine - start.machine) - (end.server - start.server) - (end.own - start.own)
        return max(0.0, other / wall)


async def measured(
    watch: CpuWatch | None, max_other: float | None, attempt: Callable[[], Awaitable[T]]
) -> tuple[T, float | None, int]:
    """(result, other processes' cores during it, retries): re-run while others used > ``max_other``."""
    retries = 0
    while True:
        start = watch.snapshot() if watch is not None else None
        result = await attempt()
        if watch is None or start is None:
            return result, None, retries
        other = watch.other_cores(start, watch.snapshot())
        if max_other is None or other <= max_other or retries + 1 >= MAX_ATTEMPTS:
            return result, other, retries
        retries += 1


def describe(others: list[float | None], retries: int) -> str | None:
    """One line for the report's notes, or None when nothing was watched."""
    seen = [value for value in others if value is not None]
    if not seen:
        return None
    return (
        f"other processes during the measured requests: median {median(seen):.2f} cores, max {max(seen):.2f} "
        f"(re-run {retries} request(s) above --max-other-cpu)"
    )
