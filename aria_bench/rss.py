"""Peak resident memory of a server process (and its children) while a benchmark runs."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import BenchError

MIB = 1024 * 1024


@dataclass(frozen=True)
class RssReport:
    """Memory figures of one process tree, in bytes.

    ``peak_sampled`` is the largest RSS seen by sampling during the run; ``high_water`` is the
    kernel's own peak (Linux ``VmHWM``) since the processes started, model loading included.
    """

    pid: int
    name: str
    samples: int
    peak_sampled: int
    high_water: int | None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (bytes and MiB)."""
        return {
            "pid": self.pid,
            "name": self.name,
            "samples": self.samples,
            "peak_sampled_bytes": self.peak_sampled,
            "peak_sampled_mib": round(self.peak_sampled / MIB, 1),
            "high_water_bytes": self.high_water,
            "high_water_mib": None if self.high_water is None else round(self.high_water / MIB, 1),
        }

    def describe(self) -> str:
        """One line for the table."""
        hwm = "" if self.high_water is None else f", kernel high-water {self.high_water / MIB:.1f} MiB"
        return (
            f"peak RSS of pid {self.pid} ({self.name}) and children: "
            f"{self.peak_sampled / MIB:.1f} MiB sampled ({self.samples} samples){hwm}"
        )


def _high_water(pid: int) -> int | None:
    """``VmHWM`` from /proc (Linux only), in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class RssSampler:
    """Samples RSS of ``pid`` plus its children every ``interval`` seconds, inside ``async with``.

    psutil is imported here, not at module import, because it is only the ``bench`` extra.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        try:
            import psutil
        except ImportError as err:
            raise BenchError("--pid needs psutil: pip install 'aria-voice[bench]'") from err
        self._psutil = psutil
        try:
            self._process = psutil.Process(pid)
            self._name = self._process.name()
        except psutil.Error as err:
            raise BenchError(f"cannot watch pid {pid}: {err}") from err
        self.pid = pid
        self.interval = interval
        self._peak = 0
        self._samples = 0
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> int:
        """Current RSS of the process tree in bytes (0 for processes that vanished meanwhile)."""
        total = 0
        try:
            processes = [self._process, *self._process.children(recursive=True)]
        except self._psutil.Error:
            return 0
        for process in processes:
            with contextlib.suppress(self._psutil.Error):
                total += process.memory_info().rss
        self._peak = max(self._peak, total)
        self._samples += 1
        return total

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> RssSampler:
        self._task = asyncio.create_task(self._run(), name=f"rss-sampler {self.pid}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            # gather() returns the task's own cancellation but still raises the caller's.
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.sample()

    def report(self) -> RssReport:
        """The figures so far."""
        high_water = _high_water(self.pid)
        try:
            children = self._process.children(recursive=True)
        except self._psutil.Error:
            children = []
        for child in children:
            child_hwm = _high_water(child.pid)
            if high_water is not None and child_hwm is not None:
                high_water += child_hwm
        return RssReport(
            pid=self.pid, name=self._name, samples=self._samples, peak_sampled=self._peak, high_water=high_water
        )
