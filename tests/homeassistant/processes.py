"""A subprocess whose log is drained continuously and kept, with waits on its lines."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal


class LoggedProcess:
    """One program of the tier: stdout and stderr merged, every line kept for assertions."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self.lines: list[str] = []
        self._new_line = asyncio.Condition()
        self._drain = asyncio.create_task(self._read_log(), name=f"{name} log")

    @classmethod
    async def start(cls, name: str, argv: list[str], **kwargs: object) -> LoggedProcess:
        """Start ``argv`` with its output merged into one drained pipe."""
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, **kwargs,  # type: ignore[arg-type]
        )
        return cls(name, process)

    @property
    def log(self) -> str:
        """Everything the program printed so far."""
        return "\n".join(self.lines)

    async def _read_log(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode(errors="replace").rstrip())
            async with self._new_line:
                self._new_line.notify_all()
        await self.process.wait()
        async with self._new_line:
            self._new_line.notify_all()

    def count(self, pattern: str) -> int:
        """How many lines so far match ``pattern``."""
        regex = re.compile(pattern)
        return sum(1 for line in self.lines if regex.search(line))

    async def wait_for_line(self, pattern: str, timeout: float, *, after: int = 0) -> re.Match[str]:
        """The first line matching ``pattern`` among lines ``after`` onwards (past or future);
        AssertionError with the log when the program exits or the time runs out first."""
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            return next((m for line in self.lines[after:] if (m := regex.search(line))), None)

        try:
            async with asyncio.timeout(timeout), self._new_line:
                while (match := found()) is None:
                    if self.process.returncode is not None:
                        raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")
                    await self._new_line.wait()
        except TimeoutError:
            raise AssertionError(f"{self.name}: no line matching {pattern!r} in {timeout} s:\n{self.tail()}") from None
        return match

    def tail(self, lines: int = 60) -> str:
        """The last lines of the log (for failure messages)."""
        return "\n".join(self.lines[-lines:])

    async def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then SIGKILL after ``timeout``; the exit status."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        await self._drain
        assert self.process.returncode is not None
        return self.process.returncode
