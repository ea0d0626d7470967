"""Fetching what Home Assistant asks the device to play: a WAV stream over HTTP(S), as PCM.

Home Assistant converts TTS, announcements and media to a format the device lists in its media
player's ``supported_formats`` (here: WAV, 16-bit mono at the speaker's rate), and may stream it
(a WAV header with an unknown length, then chunks): so the header is read first, and the data is
read until the end of the stream. Any 16-bit PCM WAV is accepted (channels are mixed down;
the player resamples). Anything else is a ``MediaError``: the caller reports the playback
finished, unsuccessfully.

The blocking ``urllib`` reads run in a worker thread, one read at a time: nothing blocks the
event loop, and no HTTP client library is added to a satellite install.
"""

from __future__ import annotations

import asyncio
import struct
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from aria_wire.errors import AriaError

READ_BYTES = 8192
"""Bytes read from the stream per worker-thread call."""
TIMEOUT_S = 15.0
"""Connect and per-read timeout of a fetch, s (Home Assistant's TTS may take a moment to start)."""
MAX_HEADER_BYTES = 65_536
"""Chunks before ``data`` (LIST/INFO and the like) larger than this are not a sane WAV."""


class MediaError(AriaError):
    """The URL could not be fetched or is not a 16-bit PCM WAV."""

    default_code = "media-failed"


@dataclass(frozen=True)
class WavFormat:
    """The stream's PCM format."""

    rate: int
    channels: int


Opener = Callable[[str], BinaryIO]
"""Opens a URL for reading (``urllib`` by default; a test may pass a file opener)."""


def _open(url: str) -> BinaryIO:
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT_S)  # type: ignore[no-any-return]
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise MediaError(f"cannot fetch {url}: {err}") from err


class _Reader:
    """Exact reads from a blocking stream, each in the worker thread."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        # read1 returns what has arrived (a streamed TTS reply starts playing at once); read waits for the count.
        self._read = getattr(stream, "read1", stream.read)
        self._buffer = b""

    async def read(self, count: int, exact: bool = True) -> bytes:
        while len(self._buffer) < count:
            try:
                more = await asyncio.to_thread(self._read, max(READ_BYTES, count - len(self._buffer)))
            except OSError as err:
                raise MediaError(f"reading the stream failed: {err}") from err
            if not more:
                if exact:
                    raise MediaError("the stream ended inside the WAV header")
                break
            self._buffer += more
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        return out


async def _read_header(reader: _Reader) -> WavFormat:
    riff = await reader.read(12)
    if riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        raise MediaError("not a WAV stream (Home Assistant should convert to the listed formats)")
    fmt: WavFormat | None = None
    skipped = 0
    while True:
        chunk_id, size = struct.unpack("<4sI", await reader.read(8))
        if chunk_id == b"data":
            if fmt is None:
                raise MediaError("WAV data before its fmt chunk")
            return fmt
        if chunk_id == b"fmt ":
            body = await reader.read(size + size % 2)
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag not in (1, 0xFFFE) or bits != 16 or channels < 1:
                raise MediaError(f"WAV of format {tag}, {bits} bits: only 16-bit PCM is played")
            fmt = WavFormat(rate, channels)
            continue
        skipped += size
        if skipped > MAX_HEADER_BYTES:
            raise MediaError("WAV header too large")
        await reader.read(size + size % 2)


def _mono(pcm: bytes, channels: int) -> bytes:
    if channels == 1:
        return pcm
    frames = np.frombuffer(pcm, dtype=np.int16).reshape(-1, channels)
    return frames.mean(axis=1).astype(np.int16).tobytes()


async def open_wav(url: str, opener: Opener = _open) -> tuple[WavFormat, AsyncIterator[bytes]]:
    """The format of the WAV at ``url`` and an iterator of its mono PCM (the stream is closed
    when the iterator ends or is closed)."""
    stream = await asyncio.to_thread(opener, url)
    reader = _Reader(stream)
    try:
        fmt = await _read_header(reader)
    except BaseException:
        await asyncio.to_thread(stream.close)
        raise

    async def pcm() -> AsyncIterator[bytes]:
        frame = 2 * fmt.channels
        rest = b""
        try:
            while True:
                data = await reader.read(READ_BYTES, exact=False)
                if not data:
                    break
                data, rest = rest + data, b""
                whole = len(data) - len(data) % frame
                data, rest = data[:whole], data[whole:]
                if data:
                    yield _mono(data, fmt.channels)
        finally:
            await asyncio.to_thread(stream.close)

    return fmt, pcm()


async def fetch_wav(url: str, opener: Opener = _open) -> tuple[WavFormat, bytes]:
    """The whole (short) WAV at ``url``: a pre-announce chime."""
    fmt, chunks = await open_wav(url, opener)
    return fmt, b"".join([chunk async for chunk in chunks])
