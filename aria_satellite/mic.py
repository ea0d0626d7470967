"""Microphone sources: each yields 16 kHz mono 16-bit frames of FRAME_SAMPLES with capture times.

    FileMic      a WAV played in real time from ``start()``, then silence (tests and benchmarks)
    CommandMic   raw PCM from a program's stdout (``arecord ...``)
    DeviceMic    a sound device through sounddevice (the ``sound`` extra)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aria_wire.audio import PcmFormat, ToModelFormat

from .audio import read_wav_16k
from .processes import wait_or_kill
from .settings import FRAME_BYTES, FRAME_SAMPLES, MIC_RATE, MicSettings

_LOGGER = logging.getLogger(__name__)

FRAME_NS = FRAME_SAMPLES * 1_000_000_000 // MIC_RATE


class MicStalled(OSError):
    """No microphone frame arrived in time: the source is restarted."""


@dataclass(frozen=True)
class MicFrame:
    """One frame of 16 kHz mono 16-bit audio; ``t_ns`` is the monotonic time of its last sample."""

    pcm: bytes
    t_ns: int


class Microphone(Protocol):
    """A source of microphone frames; ``frames`` may be iterated once, after ``start``."""

    async def start(self) -> None:
        """Open the device or program (for a file: the moment its first sample plays)."""
        ...

    def frames(self) -> AsyncIterator[MicFrame]:
        """Frames as they are captured, forever (until ``close``); raises OSError if the source dies."""
        ...

    async def close(self) -> None:
        """Release the source."""
        ...


class FileMic:
    """A WAV file heard in real time, then silence: the paced clock of a real microphone.

    ``on_start(t0_ns)`` is called with the monotonic time of the file's first sample, so a
    benchmark can place any sample of the file on the same clock as the satellite's events.
    """

    def __init__(self, path: Path, on_start: Callable[[int], None] | None = None) -> None:
        self._pcm = read_wav_16k(path)
        self.path = path
        self._on_start = on_start
        self._t0_ns: int | None = None

    async def start(self) -> None:
        """Start the file's clock now."""
        self._t0_ns = time.monotonic_ns()
        if self._on_start is not None:
            self._on_start(self._t0_ns)

    async def frames(self) -> AsyncIterator[MicFrame]:
        assert self._t0_ns is not None, "start() first"
        index = 0
        while True:
            due_ns = self._t0_ns + (index + 1) * FRAME_NS
            delay = (due_ns - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            start = index * FRAME_BYTES
            chunk = self._pcm[start : start + FRAME_BYTES]
            yield MicFrame(chunk + bytes(FRAME_BYTES - len(chunk)), due_ns)
            index += 1

    async def close(self) -> None:
        """Nothing to release."""


class _Framer:
    """Cuts converted audio into whole frames."""

    def __init__(self, fmt: PcmFormat) -> None:
        self._converter = ToModelFormat(fmt)
        self._pending = b""

    def push(self, raw: bytes) -> list[bytes]:
        self._pending += self._converter.convert(raw).tobytes()
        whole = len(self._pending) - len(self._pending) % FRAME_BYTES
        frames = [self._pending[i : i + FRAME_BYTES] for i in range(0, whole, FRAME_BYTES)]
        self._pending = self._pending[whole:]
        return frames


class CommandMic:
    """Raw 16-bit PCM read from a program's standard output."""

    def __init__(self, command: tuple[str, ...], rate: int = MIC_RATE, channels: int = 1) -> None:
        self.command = command
        self.fmt = PcmFormat(rate, 2, channels)
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the program."""
        self._proc = await asyncio.create_subprocess_exec(
            *self.command, stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL
        )

    async def frames(self) -> AsyncIterator[MicFrame]:
        assert self._proc is not None and self._proc.stdout is not None, "start() first"
        framer = _Framer(self.fmt)
        read_size = max(256, FRAME_SAMPLES * self.fmt.bytes_per_frame * self.fmt.rate // MIC_RATE)
        while True:
            raw = await self._proc.stdout.read(read_size)
            if not raw:
                raise OSError(f"microphone command {self.command[0]!r} ended")
            now = time.monotonic_ns()
            for frame in framer.push(raw):
                yield MicFrame(frame, now)

    @property
    def pid(self) -> int | None:
        """The running program's process id (None when not running)."""
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    async def close(self) -> None:
        """Stop the program: SIGTERM (and SIGCONT, for a frozen one), then SIGKILL if it does not exit."""
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
            proc.send_signal(signal.SIGCONT)  # a frozen (stopped) program only acts on SIGTERM once continued
        await wait_or_kill(proc)


class DeviceMic:
    """A sound device captured by sounddevice's callback thread into the event loop."""

    def __init__(self, device: str | None) -> None:
        self.device: int | str | None = int(device) if device is not None and device.isdigit() else device
        self._queue: asyncio.Queue[MicFrame] = asyncio.Queue(maxsize=64)
        self._stream: object | None = None

    async def start(self) -> None:
        """Open the input stream (the ``sound`` extra provides sounddevice)."""
        try:
            import sounddevice
        except (ImportError, OSError) as err:
            raise OSError("sound devices need: pip install 'aria-voice[sound]' (and PortAudio)") from err
        loop = asyncio.get_running_loop()

        def callback(data: bytes, frames: int, time_info: object, status: object) -> None:
            frame = MicFrame(bytes(data), time.monotonic_ns())
            loop.call_soon_threadsafe(self._offer, frame)

        try:
            stream = sounddevice.RawInputStream(
                samplerate=MIC_RATE, channels=1, dtype="int16", blocksize=FRAME_SAMPLES, device=self.device,
                callback=callback,
            )
            stream.start()
        except (sounddevice.PortAudioError, ValueError) as err:  # no such device, or it cannot do 16 kHz
            raise OSError(f"microphone device {self.device!r}: {err}") from err
        self._stream = stream

    def _offer(self, frame: MicFrame) -> None:
        if self._queue.full():  # the loop fell behind: drop the oldest rather than grow
            self._queue.get_nowait()
        self._queue.put_nowait(frame)

    async def frames(self) -> AsyncIterator[MicFrame]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        """Close the input stream."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()  # type: ignore[attr-defined]
            stream.close()  # type: ignore[attr-defined]


def create_mic(settings: MicSettings, on_file_start: Callable[[int], None] | None = None) -> Microphone:
    """The microphone the settings name."""
    if settings.file is not None:
        return FileMic(settings.file, on_file_start)
    if settings.command is not None:
        return CommandMic(settings.command, settings.command_rate, settings.command_channels)
    return DeviceMic(settings.device)
