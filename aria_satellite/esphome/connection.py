"""One client of the ESPHome API: the transport chosen by its first byte, then its requests.

The first byte decides the transport: ``0x00`` plaintext, ``0x01`` the Noise handshake. With a
key set, plaintext is refused with the same explicit noise refusal an ESPHome device sends
(clients report "requires encryption"); without one, a noise hello is answered with a
plaintext byte (clients report "device uses plaintext"). Requests are then dispatched through
a table of handlers (``Device`` implements them); a message with an id the table does not know
is logged and skipped, a malformed frame closes the connection after a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from aria_wire.errors import ProtocolError

from .framing import NOISE_PREAMBLE, PLAINTEXT_PREAMBLE, FrameError, FrameTransport, PlaintextTransport
from .messages import Message, decode, encode
from .noise import NoiseTransport, refusal_frame

_LOGGER = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_S = 30.0
"""A client must finish its hello/handshake within this time, s."""
IDLE_TIMEOUT_S = 90.0
"""A client that sends nothing (Home Assistant pings every 20 s) this long is closed, s."""


class Device(Protocol):
    """What the device answers (``server.EsphomeServer``)."""

    name: str
    mac: str
    key: bytes | None

    def handler(self, message: Message) -> Callable[[ApiConnection, Message], None] | None:
        """The handler of this message's class; None: not handled (logged, ignored)."""
        ...

    def closed(self, connection: ApiConnection) -> None:
        """The connection ended (subscriptions end with it)."""
        ...


class ApiConnection:
    """One client; ``serve()`` runs it to its end."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, device: Device) -> None:
        self.reader = reader
        self.writer = writer
        self.device = device
        self.peer = writer.get_extra_info("peername")
        self.transport: FrameTransport | None = None
        self.encrypted = False
        self.closing = False

    def send_nowait(self, *messages: Message) -> None:
        """Queue messages on the socket, in order (the kernel buffer absorbs bursts)."""
        if self.transport is None or self.closing or self.writer.is_closing():
            return
        self.transport.write([encode(message) for message in messages])

    def close(self) -> None:
        """End the connection after what is queued."""
        self.closing = True
        self.writer.close()

    async def serve(self) -> None:
        """Negotiate, then dispatch requests until the client leaves or misbehaves."""
        try:
            async with asyncio.timeout(HANDSHAKE_TIMEOUT_S):
                self.transport = await self._negotiate()
            if self.transport is None:
                return
            while not self.closing:
                async with asyncio.timeout(IDLE_TIMEOUT_S):
                    frame = await self.transport.read()
                if frame is None:
                    return
                message = decode(*frame)
                if message is None:
                    _LOGGER.debug("%s: message type %d not known: ignored", self.peer, frame[0])
                    continue
                handler = self.device.handler(message)
                if handler is None:
                    _LOGGER.debug("%s: %s not handled", self.peer, type(message).__name__)
                    continue
                handler(self, message)
                await self.writer.drain()
        except ProtocolError as err:
            _LOGGER.warning("ESPHome client %s: %s", self.peer, err)
        except TimeoutError:
            _LOGGER.info("ESPHome client %s: silent for too long, closed", self.peer)
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            _LOGGER.info("ESPHome client %s ended: %r", self.peer, err)
        finally:
            self.closing = True
            self.device.closed(self)
            self.writer.close()

    async def _negotiate(self) -> FrameTransport | None:
        first = await self.reader.read(1)
        if not first:
            return None
        key = self.device.key
        if first[0] == PLAINTEXT_PREAMBLE:
            if key is not None:
                _LOGGER.warning("ESPHome client %s: plaintext refused (an encryption key is set)", self.peer)
                self.writer.write(refusal_frame("Bad indicator byte"))
                await self.writer.drain()
                return None
            return PlaintextTransport(self.reader, self.writer, preamble_read=True)
        if first[0] == NOISE_PREAMBLE:
            if key is None:
                _LOGGER.warning("ESPHome client %s: wants encryption, but no key is set", self.peer)
                self.writer.write(b"\x00\x00\x00")  # a plaintext frame: the client says "device uses plaintext"
                await self.writer.drain()
                return None
            transport = NoiseTransport(self.reader, self.writer, key)
            try:
                await transport.handshake(self.device.name, self.device.mac)
            finally:
                await self.writer.drain()
            self.encrypted = True
            return transport
        raise FrameError(f"first byte 0x{first[0]:02x} is neither plaintext nor noise")
