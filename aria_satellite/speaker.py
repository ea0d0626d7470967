"""Speaker sinks: where played audio (mono 16-bit at the sink's rate) ends up.

    FileSink     appends to a WAV file and keeps its header correct after every write
    CommandSink  pipes raw PCM into a program (``aplay ...``)
    DeviceSink   a sound device through sounddevice (the ``sound`` extra)

Sinks do not pace: ``playback.Player`` hands them audio in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from pathlib import Path
from typing import BinaryIO, Protocol

from .processes import wait_or_kill
from .settings import SndSettings

_LOGGER = logging.getLogger(__name__)

_HEADER_BYTES = 44


class AudioSink(Protocol):
    """Consumes mono 16-bit PCM at ``rate``."""

    rate: int

    async def open(self) -> None:
        """Get ready to play (opened once, before the first write)."""
        ...

    async def write(self, pcm: bytes) -> None:
        """Play this audio now (the caller paces)."""
        ...

    async def close(self) -> None:
        """Release the sink."""
        ...

    async def abort(self) -> None:
        """Release the sink at once, dropping whatever it still holds (it is stuck)."""
        ...


def _wav_header(rate: int, data_bytes: int) -> bytes:
    return b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16
    ) + b"data" + struct.pack("<I", data_bytes)


def _existing_data_bytes(path: Path, rate: int) -> int | None:
    """Data size of an existing plain 16-bit mono WAV at ``rate`` that can be appended to."""
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_BYTES)
    except FileNotFoundError:
        return None
    if len(header) < _HEADER_BYTES or header[:4] != b"RIFF" or header[36:40] != b"data":
        return None
    _, _, channels, file_rate, _, _, bits = struct.unpack("<IHHIIHH", header[16:36])
    if (channels, file_rate, bits) != (1, rate, 16):
        return None
    return min(struct.unpack("<I", header[40:44])[0], path.stat().st_size - _HEADER_BYTES)


class FileSink:
    """Every sound played is appended to one WAV file, readable at any moment."""

    def __init__(self, path: Path, rate: int) -> None:
        self.path = path
        self.rate = rate
        self._file: BinaryIO | None = None
        self._data_bytes = 0

    def _open(self) -> None:
        existing = _existing_data_bytes(self.path, self.rate)
        if existing is None:
            self._file = self.path.open("wb")
            self._file.write(_wav_header(self.rate, 0))
            self._data_bytes = 0
        else:
            self._file = self.path.open("r+b")
            self._data_bytes = existing
            self._file.truncate(_HEADER_BYTES + existing)
        self._file.flush()

    def _write(self, pcm: bytes) -> None:
        assert self._file is not None
        self._file.seek(_HEADER_BYTES + self._data_bytes)
        self._file.write(pcm)
        self._data_bytes += len(pcm)
        self._file.seek(0)
        self._file.write(_wav_header(self.rate, self._data_bytes))
        self._file.flush()

    async def open(self) -> None:
        """Create the file, or append to an existing WAV of the same format."""
        await asyncio.to_thread(self._open)

    async def write(self, pcm: bytes) -> None:
        """Append and rewrite the header's sizes."""
        await asyncio.to_thread(self._write, pcm)

    async def close(self) -> None:
        """Close the file (its header is already correct)."""
        if self._file is not None:
            file, self._file = self._file, None
            await asyncio.to_thread(file.close)

    async def abort(self) -> None:
        """A file is never stuck: close it."""
        await self.close()


class CommandSink:
    """Raw PCM written to a program's standard input; the program is restarted if it dies."""

    def __init__(self, command: tuple[str, ...], rate: int) -> None:
        self.command = command
        self.rate = rate
        self._proc: asyncio.subprocess.Process | None = None

    async def open(self) -> None:
        """Start the program."""
        self._proc = await asyncio.create_subprocess_exec(*self.command, stdin=asyncio.subprocess.PIPE)
        _LOGGER.info("speaker program %s started (pid %d)", self.command[0], self._proc.pid)

    async def write(self, pcm: bytes) -> None:
        """Pipe the audio; a dead program is started again for the next write."""
        if self._proc is None or self._proc.returncode is not None:
            await self.open()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(pcm)
            await self._proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._proc = None
            raise

    @property
    def pid(self) -> int | None:
        """The running program's process id (None when not running)."""
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    async def close(self) -> None:
        """Close stdin and wait for the program; one that does not exit (frozen) is killed."""
        proc, self._proc = self._proc, None
        if proc is None or proc.stdin is None:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.close()
        await wait_or_kill(proc)

    async def abort(self) -> None:
        """Kill the program (a frozen one never reads the rest)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


class DeviceSink:
    """A sound device; blocking writes go through a worker thread."""

    def __init__(self, device: str | None, rate: int) -> None:
        self.device: int | str | None = int(device) if device is not None and device.isdigit() else device
        self.rate = rate
        self._stream: object | None = None

    async def open(self) -> None:
        """Open the output stream (the ``sound`` extra provides sounddevice)."""
        try:
            import sounddevice
        except (ImportError, OSError) as err:
            raise OSError("sound devices need: pip install 'aria-voice[sound]' (and PortAudio)") from err
        try:
            stream = sounddevice.RawOutputStream(samplerate=self.rate, channels=1, dtype="int16", device=self.device)
            stream.start()
        except (sounddevice.PortAudioError, ValueError) as err:
            raise OSError(f"speaker device {self.device!r}: {err}") from err
        self._stream = stream

    async def write(self, pcm: bytes) -> None:
        """Queue the audio on the device."""
        assert self._stream is not None
        await asyncio.to_thread(self._stream.write, pcm)  # type: ignore[attr-defined]

    async def close(self) -> None:
        """Close the output stream."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()  # type: ignore[attr-defined]
            stream.close()  # type: ignore[attr-defined]

    async def abort(self) -> None:
        """Drop what the device still holds and close it."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()  # type: ignore[attr-defined]
            stream.close()  # type: ignore[attr-defined]


def create_sink(settings: SndSettings) -> AudioSink:
    """The speaker the settings name."""
    if settings.file is not None:
        return FileSink(settings.file, settings.rate)
    if settings.command is not None:
        return CommandSink(settings.command, settings.rate)
    return DeviceSink(settings.device, settings.rate)
