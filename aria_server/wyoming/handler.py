"""One Wyoming connection: decode events, call the shared services, encode the answers.

Every event is handled inside a guard: an AriaError becomes an ``error`` event with its code
and the connection keeps going; only an oversize frame (whose payload cannot be skipped safely)
or a broken stream ends the connection.

Every request ends with the event its client waits for, also when it failed: clients such as
Home Assistant 2025.4 (wyoming 1.5.4) ignore ``error`` and wait for ``transcript`` (after
``audio-stop``), ``audio-stop`` (after ``synthesize``) or ``handled``/``not-handled`` (after
``transcript``). So a failure sends ``error`` and then that terminal event: an empty
``transcript``, an empty ``audio-start``/``audio-stop`` (+ ``synthesize-stopped`` when
streaming), a ``not-handled`` with the error's text.

This module keeps the connection (reading, the guard, writing, cleanup) and the dispatch table;
each request kind is its own part: ``asr.py`` (transcribe, audio-*), ``synthesis.py``
(synthesize, synthesize-*), ``handle.py`` (transcript), each answering its own failures.
"""

from __future__ import annotations

import asyncio
import logging

from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Info, SelectProgram
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler

from aria_wire.errors import IdleTimeout
from aria_wire.framing import FrameLimits, read_frame

from ..errors import AriaError, FrameTooLarge, InternalError, ProtocolError
from ..services import Services
from .asr import Transcription
from .connection import EventCallback, RequestKind
from .handle import Handling
from .synthesis import Synthesis
from .trust import TrustedClients

# A peer that stopped reading cannot hold a closing connection open for longer than this.
_CLOSE_WAIT_S = 1.0
_LOGGER = logging.getLogger(__name__)


class AriaEventHandler(AsyncEventHandler):
    """Per-connection state: at most one transcription and one streaming synthesis at a time.

    The connection's lifecycle and dispatch live here; each request kind is a part it composes
    (``asr.py``, ``synthesis.py``, ``handle.py``), which answers through this connection.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        services: Services,
        info: Info,
        limits: FrameLimits,
        idle_timeout_s: float | None = None,
        trusted: TrustedClients | None = None,
    ) -> None:
        super().__init__(reader, writer)
        self.services = services
        self.info = info
        """What ``describe`` answers (built once by the server's owner, ``app.create_wyoming_server``)."""
        self.limits = limits
        self.idle_timeout_s = idle_timeout_s
        self.peer = writer.get_extra_info("peername")
        self.trusted = trusted is not None and trusted.allows(self.peer)
        """Whether this client may ask for security-sensitive actions (``trust.py``)."""
        self._write_lock = asyncio.Lock()
        self.asr = Transcription(self)
        self.synthesis = Synthesis(self)
        self.handling = Handling(self, trusted=self.trusted)
        self._dispatch: dict[str, EventCallback] = {
            "describe": self._on_describe,
            "ping": self._on_ping,
            "select-program": self._on_select_program,
        }
        self._kind_of: dict[str, RequestKind] = {}
        """Which request kind an event type belongs to: it answers that event's failures."""
        for kind in (self.asr, self.synthesis, self.handling):
            for event_type, callback in kind.routes().items():
                self._dispatch[event_type] = callback
                self._kind_of[event_type] = kind

    async def write_event(self, event: Event) -> None:
        """Send one event; a lock keeps frames whole when a synthesis task writes concurrently.

        A client that stops reading fills the socket buffer; after ``idle_timeout_s`` of a
        blocked write the connection counts as gone (ConnectionError), so it holds nothing.
        """
        async with self._write_lock:
            try:
                async with asyncio.timeout(self.idle_timeout_s):
                    await async_write_event(event, self.writer)
            except TimeoutError as err:
                raise ConnectionResetError(f"{self.peer} read nothing for {self.idle_timeout_s:g} s") from err

    async def send_error(self, err: AriaError) -> None:
        """Report an error to the client with its stable code."""
        await self.write_event(Error(text=err.message, code=err.code).event())

    async def run(self) -> None:
        """Read guarded frames until the client leaves; one bad event never ends the others."""
        try:
            while True:
                try:
                    event = await read_frame(
                        self.reader, self.limits, idle_timeout_s=self.idle_timeout_s, frame_timeout_s=self.idle_timeout_s
                    )
                except IdleTimeout as err:
                    if not err.mid_frame and self.synthesis.speaking:
                        continue  # the client is listening to a long answer: not idle
                    _LOGGER.info("closing %s: %s", self.peer, err)
                    await self.send_error(err)
                    return
                except FrameTooLarge as err:
                    _LOGGER.warning("closing %s: %s", self.peer, err)
                    await self.send_error(err)
                    return
                except ProtocolError as err:
                    _LOGGER.warning("bad frame from %s: %s", self.peer, err)
                    await self.send_error(err)
                    continue
                if event is None:
                    return
                await self.handle_event(event)
        except asyncio.IncompleteReadError as err:
            _LOGGER.info("connection from %s ended mid-frame: %r", self.peer, err)
        except ConnectionError as err:
            _LOGGER.info("%s left: %r", self.peer, err)
        finally:
            await self.disconnect()
            await self._close_socket()

    async def _close_socket(self) -> None:
        """Close, and collect how the socket ended, so a reset peer is no unretrieved error later."""
        self.writer.close()
        try:
            async with asyncio.timeout(_CLOSE_WAIT_S):
                await self.writer.wait_closed()
        except OSError:  # reset by the peer, or TimeoutError: it reads nothing
            self.writer.transport.abort()  # drop what is unsent

    async def handle_event(self, event: Event) -> bool:
        """Dispatch one event, answering failures with an error event."""
        handler = self._dispatch.get(event.type)
        if handler is None:
            _LOGGER.debug("ignoring %s event from %s", event.type, self.peer)
            return True
        try:
            await handler(event)
        except AriaError as err:
            _LOGGER.warning("%s event from %s failed: %s", event.type, self.peer, err)
            await self._fail(event, err)
        except (KeyError, TypeError, ValueError) as err:
            # The library's from_event raises these for missing or mistyped fields.
            await self._fail(event, ProtocolError(f"malformed {event.type} event: {err!r}", code="bad-event"))
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:
            _LOGGER.exception("unexpected failure handling %s from %s", event.type, self.peer)
            await self._fail(event, InternalError("internal error"))
        return True

    async def _fail(self, event: Event, err: AriaError) -> None:
        """``error``, then the event that ends the failed request for clients that ignore errors."""
        kind = self._kind_of.get(event.type)
        if kind is None:
            await self.send_error(err)
        else:
            await kind.fail(event, err)

    async def disconnect(self) -> None:
        """Drop in-flight work of this connection only."""
        await self.asr.close()
        await self.synthesis.close()
        await self.handling.close()

    # -- describe / ping ---------------------------------------------------------------------

    async def _on_describe(self, event: Event) -> None:
        await self.write_event(self.info.event())

    async def _on_ping(self, event: Event) -> None:
        await self.write_event(Pong(text=Ping.from_event(event).text).event())

    async def _on_select_program(self, event: Event) -> None:
        """Wyoming 1.10: a client picks a program by name. Aria serves one program per domain, so
        one of its names is accepted as is and any other is refused (never silently replaced)."""
        name = SelectProgram.from_event(event).name
        info = self.info
        names = [p.name for p in (*info.asr, *info.tts, *info.handle)]
        if name not in names:
            raise ProtocolError(f"no program {name!r} here (programs: {', '.join(names)})", code="unknown-program")
