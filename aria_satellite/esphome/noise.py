"""The encrypted transport: Noise_NNpsk0_25519_ChaChaPoly_SHA256 with the device as responder.

Wire facts (the protocol ESPHome devices speak; the cryptography is the ``noiseprotocol``
library's, the framing and handshake steps are ours)::

    every frame        0x01, uint16 BE length, body
    client -> device   hello frame (empty body), then handshake frame: 0x00 + Noise message (psk, e)
    device -> client   server hello: 0x01 (protocol chosen) + name + 0x00 + mac + 0x00
                       handshake frame: 0x00 + Noise message (e, ee); or a refusal:
                       0x01 + reason ("Handshake MAC failure" for a wrong key)
    then               body = ChaChaPoly(uint16 BE type, uint16 BE length, protobuf payload)

The prologue is ``b"NoiseAPIInit\\x00\\x00"`` and the PSK the base64 32-byte key. A wrong key
shows as an authentication failure of the client's first handshake message: the device answers
"Handshake MAC failure", which clients report as an invalid key, and closes.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from noise.connection import NoiseConnection
from noise.exceptions import NoiseHandshakeError, NoiseInvalidMessage, NoiseValueError

from .framing import NOISE_PREAMBLE, Frame, FrameError

PROTOCOL_NAME = b"Noise_NNpsk0_25519_ChaChaPoly_SHA256"
PROLOGUE = b"NoiseAPIInit\x00\x00"
MAX_FRAME_BYTES = 65_535
"""A noise frame's length field is 16 bits."""
_TAG_BYTES = 16


class HandshakeRefused(FrameError):
    """The client's handshake failed (most often: a different key); the refusal was sent."""

    default_code = "handshake-refused"


def noise_frame(body: bytes) -> bytes:
    """One frame: preamble, 16-bit length, body."""
    if len(body) > MAX_FRAME_BYTES:
        raise ValueError(f"noise frame of {len(body)} bytes is over {MAX_FRAME_BYTES}")
    return struct.pack(">BH", NOISE_PREAMBLE, len(body)) + body


def refusal_frame(reason: str) -> bytes:
    """The frame a device sends instead of its handshake answer (or to a plaintext client)."""
    return noise_frame(b"\x01" + reason.encode())


async def read_noise_frame(reader: asyncio.StreamReader, *, preamble_read: bool = False) -> bytes | None:
    """The body of the next frame; None at a clean end of stream."""
    if not preamble_read:
        first = await reader.read(1)
        if not first:
            return None
        if first[0] != NOISE_PREAMBLE:
            raise FrameError(f"preamble 0x{first[0]:02x} in an encrypted connection")
    (length,) = struct.unpack(">H", await reader.readexactly(2))
    return await reader.readexactly(length)


class NoiseTransport:
    """Frames over an encrypted connection; ``handshake`` first."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, psk: bytes) -> None:
        if len(psk) != 32:
            raise ValueError("the noise key is 32 bytes")
        self._reader = reader
        self._writer = writer
        self._noise = NoiseConnection.from_name(PROTOCOL_NAME)
        self._noise.set_as_responder()
        self._noise.set_psks(psk)
        self._noise.set_prologue(PROLOGUE)

    async def handshake(self, name: str, mac: str) -> None:
        """Answer the client's hello and handshake (its preamble byte already read).

        HandshakeRefused (after the refusal frame is written) when the client's key differs.
        """
        hello = await read_noise_frame(self._reader, preamble_read=True)
        if hello is None:
            raise FrameError("connection closed before the noise hello")
        self._writer.write(noise_frame(b"\x01" + name.encode() + b"\x00" + mac.encode() + b"\x00"))
        message = await read_noise_frame(self._reader)
        if message is None:
            raise FrameError("connection closed during the noise handshake")
        if not message or message[0] != 0x00:
            self._writer.write(refusal_frame("Bad handshake packet"))
            raise HandshakeRefused("the client's handshake frame is malformed")
        self._noise.start_handshake()
        try:
            self._noise.read_message(message[1:])
        except (InvalidTag, NoiseInvalidMessage, NoiseValueError, NoiseHandshakeError, ValueError) as err:
            self._writer.write(refusal_frame("Handshake MAC failure"))
            raise HandshakeRefused("the client's handshake does not authenticate: a different key") from err
        self._writer.write(noise_frame(b"\x00" + self._noise.write_message()))

    async def read(self) -> Frame | None:
        body = await read_noise_frame(self._reader)
        if body is None:
            return None
        try:
            plain = self._noise.decrypt(body)
        except (NoiseInvalidMessage, InvalidTag) as err:
            raise FrameError("an encrypted frame does not authenticate", "bad-encryption") from err
        if len(plain) < 4:
            raise FrameError(f"decrypted frame of {len(plain)} bytes has no header")
        message_type, _length = struct.unpack(">HH", plain[:4])
        # The length field is redundant (the frame has one); the frame's own size is trusted.
        return message_type, plain[4:]

    def write(self, frames: Sequence[Frame]) -> None:
        out = []
        for message_type, payload in frames:
            if len(payload) > MAX_FRAME_BYTES - 4 - _TAG_BYTES:
                raise ValueError(f"message of {len(payload)} bytes does not fit a noise frame")
            body = self._noise.encrypt(struct.pack(">HH", message_type, len(payload)) + payload)
            out.append(noise_frame(body))
        self._writer.write(b"".join(out))
