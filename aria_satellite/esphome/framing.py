"""Frames of the ESPHome native API, and the plaintext transport.

A plaintext frame is ``0x00``, varint(payload length), varint(message type), payload (protobuf).
Reads are bounded before anything is buffered: a varint longer than ``MAX_VARINT_BYTES`` or a
payload over ``MAX_PAYLOAD_BYTES`` is a ``FrameError`` and the connection closes (the stream
cannot be resynchronised). A clean end of stream between frames reads as None.

``FrameTransport`` is what a connection talks through once the transport is chosen (this
module's ``PlaintextTransport`` or ``noise.NoiseTransport``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol, TypeAlias

from aria_wire.errors import ProtocolError

Frame: TypeAlias = tuple[int, bytes]
"""``(message type, protobuf payload)``."""

PLAINTEXT_PREAMBLE = 0x00
NOISE_PREAMBLE = 0x01
MAX_VARINT_BYTES = 4
"""A length or type needs at most 4 varint bytes (28 bits); more is garbage, not a big frame."""
MAX_PAYLOAD_BYTES = 65_535
"""The largest payload accepted, the same as ESPHome firmware's uint16 frame size (a client
sends commands and configuration; audio only ever flows from the device)."""


class FrameError(ProtocolError):
    """A malformed frame: the connection is closed."""

    default_code = "bad-frame"


class FrameTransport(Protocol):
    """Reads and writes whole frames on one connection."""

    async def read(self) -> Frame | None:
        """The next frame; None at a clean end of stream; FrameError on a bad one."""
        ...

    def write(self, frames: Sequence[Frame]) -> None:
        """Queue frames on the socket in order (the caller drains)."""
        ...


def encode_varint(value: int) -> bytes:
    """Protobuf varint of a non-negative int."""
    if value < 0:
        raise ValueError("varint of a negative number")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


async def read_varint(reader: asyncio.StreamReader) -> int:
    """One varint of at most MAX_VARINT_BYTES bytes."""
    value = 0
    for index in range(MAX_VARINT_BYTES):
        byte = (await reader.readexactly(1))[0]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value
    raise FrameError(f"varint longer than {MAX_VARINT_BYTES} bytes")


def encode_plaintext(frame: Frame) -> bytes:
    """One plaintext frame."""
    message_type, payload = frame
    return b"\x00" + encode_varint(len(payload)) + encode_varint(message_type) + payload


class PlaintextTransport:
    """Unencrypted frames; ``preamble_read``: the first frame's 0x00 was already consumed."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, preamble_read: bool = False) -> None:
        self._reader = reader
        self._writer = writer
        self._preamble_read = preamble_read

    async def read(self) -> Frame | None:
        if self._preamble_read:
            self._preamble_read = False
        else:
            first = await self._reader.read(1)
            if not first:
                return None
            if first[0] != PLAINTEXT_PREAMBLE:
                raise FrameError(f"preamble 0x{first[0]:02x} in a plaintext connection")
        length = await read_varint(self._reader)
        message_type = await read_varint(self._reader)
        if length > MAX_PAYLOAD_BYTES:
            raise FrameError(f"payload of {length} bytes is over {MAX_PAYLOAD_BYTES}", "frame-too-large")
        return message_type, await self._reader.readexactly(length)

    def write(self, frames: Sequence[Frame]) -> None:
        self._writer.write(b"".join(encode_plaintext(frame) for frame in frames))
