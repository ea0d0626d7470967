"""Child processes of a benchmark (servers, satellites) and the satellite's JSON timing log.

``Child`` keeps a process's stderr (its last lines explain a failure); ``records`` reads a
satellite's ``--timing-log``; ``wait_record`` waits for one event in it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from .errors import BenchError


class Child:
    """A child process with its stderr kept (the last lines explain a failure)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reader = asyncio.get_running_loop().create_task(self._read(), name="bench child stderr")

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.lines.append(line.decode(errors="replace").rstrip())

    @classmethod
    async def start(cls, *args: str) -> Child:
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return cls(proc)

    async def wait_line(self, pattern: str, timeout: float) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if match := regex.search(line):
                    return match
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise BenchError(f"no {pattern!r} from {self.proc.pid}:\n" + "\n".join(self.lines[-20:]))
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(20):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await asyncio.gather(self.reader, return_exceptions=True)


def records(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


async def wait_record(
    log: Path, child: Child, event: str, timeout: float, any_completion: bool = False
) -> dict[str, Any]:
    """The first ``event`` record (one with ``completed: false`` counts only with ``any_completion``)."""
    deadline = time.monotonic() + timeout
    while True:
        for record in records(log):
            if record["event"] == event and (any_completion or record.get("completed", True)):
                return record
        if child.proc.returncode is not None:
            raise BenchError("the satellite exited:\n" + "\n".join(child.lines[-20:]))
        if time.monotonic() > deadline:
            raise BenchError(f"no {event!r} from the satellite within {timeout:.0f} s")
        await asyncio.sleep(0.05)
