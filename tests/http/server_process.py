"""A real ``python -m aria_server`` in a subprocess, for the HTTP, /ws and dashboard tests.

Started on 127.0.0.1 with port 0 for both faces; the test reads the bound HTTP URL from the
``HTTP API on http://HOST:PORT`` log line, so nothing races for a port. The log is drained
continuously (a full pipe would stall the server) and kept for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import wave
from collections.abc import AsyncIterator
from pathlib import Path

HTTP_READY = re.compile(r"HTTP API on (http://\S+)")
START_TIMEOUT_S = 180.0

BASE_ARGS = ("--host", "127.0.0.1", "--wyoming-port", "0", "--http-port", "0", "--no-zeroconf", "--llm-backend", "none")
"""Loopback, free ports, no multicast; the local intents answer without a language model."""


class AriaProcess:
    """One running server: its URL, its log, and ways to end it."""

    def __init__(self, process: asyncio.subprocess.Process, data_dir: Path) -> None:
        self.process = process
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.url = ""
        self._ready = asyncio.Event()
        self._new_line = asyncio.Condition()
        self._drain = asyncio.create_task(self._read_log(), name="aria-server log")

    @property
    def log(self) -> str:
        """Everything the server logged so far."""
        return "\n".join(self.lines)

    async def _read_log(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            text = line.decode(errors="replace").rstrip()
            self.lines.append(text)
            if not self.url and (match := HTTP_READY.search(text)):
                self.url = match.group(1)
                self._ready.set()
            async with self._new_line:
                self._new_line.notify_all()
        self._ready.set()  # exited: wake the waiter, which then reports the log
        async with self._new_line:
            self._new_line.notify_all()

    async def wait_for_line(self, pattern: str, timeout: float = START_TIMEOUT_S) -> re.Match[str]:
        """The first log line (past or future) matching ``pattern``."""
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            return next((m for line in self.lines if (m := regex.search(line))), None)

        async with asyncio.timeout(timeout), self._new_line:
            while (match := found()) is None:
                assert self.process.returncode is None, f"aria-server exited:\n{self.log}"
                await self._new_line.wait()
        return match

    async def wait_ready(self) -> None:
        """Until the HTTP API is up; AssertionError with the log when the server died instead."""
        try:
            await asyncio.wait_for(self._ready.wait(), START_TIMEOUT_S)
        except TimeoutError:
            raise AssertionError(f"aria-server did not serve HTTP within {START_TIMEOUT_S} s:\n{self.log}") from None
        assert self.url, f"aria-server exited with {self.process.returncode} before serving HTTP:\n{self.log}"

    async def kill9(self) -> None:
        """SIGKILL: no clean-up runs, as in a power cut."""
        self.process.kill()
        await self.process.wait()
        await self._drain

    async def stop(self) -> int:
        """SIGTERM and wait; the exit status."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self._drain
        assert self.process.returncode is not None
        return self.process.returncode


def _environ(extra: dict[str, str] | None) -> dict[str, str]:
    """This environment without ARIA_ settings of the developer's shell, plus ``extra``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
    environ.update(extra or {})
    return environ


async def start_server(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, python: str = sys.executable, cwd: Path | None = None
) -> AriaProcess:
    """Start a server with BASE_ARGS + ``args`` and wait until its HTTP API answers (``python``
    and ``cwd`` run another installation of it, e.g. a wheel in a fresh venv)."""
    process = await asyncio.create_subprocess_exec(
        python, "-m", "aria_server", "--data-dir", str(data_dir), *BASE_ARGS, *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=_environ(env), cwd=cwd,
    )
    server = AriaProcess(process, data_dir)
    try:
        await server.wait_ready()
    except BaseException:
        await server.stop()
        raise
    return server


async def run_until_exit(data_dir: Path, *args: str) -> tuple[int, str]:
    """Run a server that is expected to refuse to start: (exit status, its log)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_server", "--data-dir", str(data_dir), *BASE_ARGS, *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=_environ(None),
    )
    _, stderr = await asyncio.wait_for(process.communicate(), START_TIMEOUT_S)
    assert process.returncode is not None
    return process.returncode, stderr.decode(errors="replace")


@contextlib.asynccontextmanager
async def running_server(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> AsyncIterator[AriaProcess]:
    """``start_server`` that always stops the server afterwards."""
    server = await start_server(data_dir, *args, env=env)
    try:
        yield server
    finally:
        await server.stop()



SATELLITE_READY = re.compile(r"satellite (\S+) ready on tcp://127\.0\.0\.1:(\d+)")


@contextlib.asynccontextmanager
async def running_satellite(directory: Path, name: str) -> AsyncIterator[tuple[str, Path]]:
    """A real ``aria-satellite`` on 127.0.0.1 (local wake word, a silent microphone file, sound
    written to a WAV): yields its address ``tcp://127.0.0.1:PORT`` and that WAV's path."""
    silence = directory / "silence.wav"
    with wave.open(str(silence), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(bytes(16_000 * 2))
    played = directory / f"{name}-played.wav"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_satellite", "--name", name, "--host", "127.0.0.1", "--port", "0",
        "--no-zeroconf", "--no-esphome", "--wake-word", "okay_nabu", "--mic-file", str(silence), "--snd-file", str(played),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=_environ(None),
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            while True:
                raw = await process.stderr.readline()
                assert raw, "aria-satellite exited before it was ready:\n" + "\n".join(lines)
                lines.append(raw.decode(errors="replace").rstrip())
                if match := SATELLITE_READY.search(lines[-1]):
                    break
        # Keep draining its log so the pipe never fills.
        drain = asyncio.create_task(_discard(process.stderr), name=f"satellite {name} log")
        try:
            yield f"tcp://127.0.0.1:{match.group(2)}", played
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
            await drain
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _discard(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass
