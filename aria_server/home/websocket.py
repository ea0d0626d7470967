"""A small client of Home Assistant's websocket API: commands, event subscriptions, pipeline runs.

    -> (connect /api/websocket)      <- {"type": "auth_required"}
    -> {"type": "auth", "access_token"}  <- auth_ok | auth_invalid
    -> {"id": n, "type": COMMAND, ...}   <- {"id": n, "type": "result", "success", "result" | "error"}
    -> subscribe_events                  <- {"id": n, "type": "event", "event": {...}} (until closed)
    -> assist_pipeline/run               <- result, then events up to ``run-end``

One connection, opened on first use and again after it drops (the next call reconnects, so a
Home Assistant that restarts is used again without restarting Aria); subscriptions are renewed on
every new connection. One reader task routes each message by its id. Every wait is bounded by
``timeout_s``; a connection that drops fails the calls in flight with HomeUnreachable at once.
The token is sent in the auth message only: never logged, never in an error's text.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from ..errors import HomeError, HomeUnauthorized, HomeUnreachable
from .token import TokenSource

_LOGGER = logging.getLogger(__name__)

EventHandler = Callable[[dict[str, Any]], None]
"""Receives the ``event`` object of a subscribed event (called on the event loop; must not block)."""
ConnectorFactory = Callable[[], aiohttp.BaseConnector]
"""Makes the connector of a new HTTP session (tests: a Unix socket bridged to Home Assistant)."""
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""The entity registry of a large home is a few MB; more than this is not a Home Assistant."""


def websocket_url(base_url: str) -> str:
    """``http://host:8123`` -> ``ws://host:8123/api/websocket`` (https -> wss)."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://"):] + "/api/websocket"
    if base.startswith("http://"):
        return "ws://" + base[len("http://"):] + "/api/websocket"
    return base + "/api/websocket"


class _Link:
    """One authenticated connection and what waits on it (gone when it drops)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, token: str) -> None:
        self.ws = ws
        self.token = token
        """The token it was authenticated with (a new one in the file means a new connection)."""
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Queue[dict[str, Any] | None]] = {}
        """Per message id: the messages for it, ``None`` when the connection dropped."""
        self.reader: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self.ws.closed or (self.reader is not None and self.reader.done())


class HomeWebsocket:
    """Home Assistant's websocket for one Aria; ``aclose`` when done."""

    def __init__(
        self, url: str, token: TokenSource, timeout_s: float = 10.0, *, connector: ConnectorFactory | None = None
    ) -> None:
        self.url = websocket_url(url)
        self.token = token
        self.timeout_s = timeout_s
        self._connector = connector
        self._session: aiohttp.ClientSession | None = None
        self._link: _Link | None = None
        self._connecting = asyncio.Lock()
        self._subscriptions: dict[str, list[EventHandler]] = {}
        self._on_connect: list[Callable[[], Awaitable[None]]] = []
        self._callbacks: set[asyncio.Task[None]] = set()

    # -- connection ----------------------------------------------------------------------------

    def on_connect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` after each new connection (a restarted Home Assistant may have changed)."""
        self._on_connect.append(callback)

    @property
    def connected(self) -> bool:
        return self._link is not None and not self._link.closed

    async def _connected(self) -> _Link:
        token = await self.token.current()  # HomeUnauthorized when there is none
        if self._link is not None and not self._link.closed and self._link.token == token:
            return self._link
        async with self._connecting:
            if self._link is not None and not self._link.closed:
                if self._link.token == token:
                    return self._link
                await self._link.ws.close()  # the token was replaced: authenticate again
            link = await self._connect(token)
            self._link = link
            for event_type in self._subscriptions:
                await self._subscribe(link, event_type)
        for callback in self._on_connect:
            # A callback may call back in: it runs outside the lock, on the link just made.
            task = asyncio.get_running_loop().create_task(_run(callback), name="home websocket on-connect")
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)
        return link

    async def _connect(self, token: str) -> _Link:
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=self._connector() if self._connector else None)
        try:
            async with asyncio.timeout(self.timeout_s):
                ws = await self._session.ws_connect(self.url, max_msg_size=MAX_MESSAGE_BYTES, heartbeat=30.0)
                try:
                    hello = await ws.receive_json()
                    if hello.get("type") != "auth_required":
                        raise HomeError(f"Home Assistant's websocket opened with {hello.get('type')!r}")
                    await ws.send_json({"type": "auth", "access_token": token})
                    answer = await ws.receive_json()
                except BaseException:
                    await ws.close()
                    raise
        except (aiohttp.ClientError, TimeoutError, ValueError, TypeError) as err:
            # TypeError: a closed socket's message is not JSON. Never the token in the text.
            raise HomeUnreachable(f"Home Assistant's websocket at {self.url} did not answer: {type(err).__name__}") from None
        if answer.get("type") != "auth_ok":
            await ws.close()
            raise HomeUnauthorized("Home Assistant refused the access token (websocket)")
        link = _Link(ws, token)
        link.reader = asyncio.get_running_loop().create_task(self._read(link), name="home websocket reader")
        _LOGGER.info("connected to Home Assistant's websocket at %s", self.url)
        return link

    async def _read(self, link: _Link) -> None:
        try:
            async for message in link.ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = message.json()
                except ValueError:
                    continue
                # Home Assistant may coalesce messages into one JSON array.
                for item in data if isinstance(data, list) else [data]:
                    self._route(link, item)
        finally:
            for queue in link.waiting.values():
                queue.put_nowait(None)
            _LOGGER.info("Home Assistant's websocket closed")

    def _route(self, link: _Link, item: Any) -> None:
        if not isinstance(item, dict):
            return
        queue = link.waiting.get(item.get("id", -1))
        if queue is not None:
            queue.put_nowait(item)
            return
        if item.get("type") == "event" and isinstance(event := item.get("event"), dict):
            for handler in self._subscriptions.get(str(event.get("event_type")), []):
                try:
                    handler(event)
                except Exception:  # a handler's bug must not stop the reader
                    _LOGGER.exception("home websocket event handler failed")

    async def aclose(self) -> None:
        for task in list(self._callbacks):
            task.cancel()
        link, self._link = self._link, None
        if link is not None:
            await link.ws.close()
            if link.reader is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await link.reader
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- commands ------------------------------------------------------------------------------

    async def call(self, command: str, **data: Any) -> Any:
        """One command's result (HomeError with Home Assistant's code when it failed)."""
        link = await self._connected()
        return await self._call(link, command, data)

    async def _call(self, link: _Link, command: str, data: dict[str, Any]) -> Any:
        msg_id, queue = await self._send(link, {"type": command, **data})
        try:
            message = await self._next(queue, command)
            while message.get("type") != "result":
                message = await self._next(queue, command)
        finally:
            link.waiting.pop(msg_id, None)
        if not message.get("success"):
            raise _command_error(command, message.get("error"))
        return message.get("result")

    async def _send(self, link: _Link, payload: dict[str, Any]) -> tuple[int, asyncio.Queue[dict[str, Any] | None]]:
        msg_id = next(link.ids)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        link.waiting[msg_id] = queue
        try:
            await link.ws.send_json({"id": msg_id, **payload})
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as err:
            link.waiting.pop(msg_id, None)
            raise HomeUnreachable(f"Home Assistant's websocket closed: {type(err).__name__}") from None
        return msg_id, queue

    async def _next(self, queue: asyncio.Queue[dict[str, Any] | None], what: str) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.timeout_s):
                message = await queue.get()
        except TimeoutError:
            raise HomeUnreachable(f"Home Assistant did not answer {what} within {self.timeout_s:g} s") from None
        if message is None:
            raise HomeUnreachable(f"Home Assistant's websocket closed during {what}")
        return message

    # -- subscriptions -------------------------------------------------------------------------

    async def subscribe(self, event_type: str, handler: EventHandler) -> None:
        """Call ``handler`` for each ``event_type`` event, on this and every later connection."""
        first = event_type not in self._subscriptions
        self._subscriptions.setdefault(event_type, []).append(handler)
        if first and self._link is not None and not self._link.closed:
            await self._subscribe(self._link, event_type)

    async def _subscribe(self, link: _Link, event_type: str) -> None:
        # The id stays routed to the subscription's events: leave no queue behind for it.
        await self._call(link, "subscribe_events", {"event_type": event_type})

    # -- pipelines -----------------------------------------------------------------------------

    async def run_intent(
        self, text: str, *, pipeline: str, device_id: str | None, conversation_id: str | None = None
    ) -> dict[str, Any]:
        """``assist_pipeline/run`` from and to the intent stage: ``intent-end``'s ``intent_output``
        (a ConversationResult: ``response``, ``conversation_id``). HomeError when the run failed."""
        link = await self._connected()
        payload: dict[str, Any] = {
            "type": "assist_pipeline/run", "start_stage": "intent", "end_stage": "intent",
            "input": {"text": text}, "pipeline": pipeline, "device_id": device_id,
            "conversation_id": conversation_id, "timeout": self.timeout_s,
        }
        msg_id, queue = await self._send(link, payload)
        output: dict[str, Any] | None = None
        try:
            while True:
                message = await self._next(queue, "assist_pipeline/run")
                if message.get("type") == "result":
                    if not message.get("success"):
                        raise _command_error("assist_pipeline/run", message.get("error"))
                    continue
                event = message.get("event") or {}
                kind, data = event.get("type"), event.get("data") or {}
                if kind == "intent-end":
                    output = data.get("intent_output")
                elif kind == "error":
                    raise HomeError(
                        f"Home Assistant's pipeline failed: {data.get('code')}: {data.get('message')}",
                        code="home-pipeline-error",
                    )
                elif kind == "run-end":
                    break
        finally:
            link.waiting.pop(msg_id, None)
        if not isinstance(output, dict):
            raise HomeError("Home Assistant's pipeline ended without an intent answer", code="home-pipeline-error")
        return output


async def _run(callback: Callable[[], Awaitable[None]]) -> None:
    await callback()


def _command_error(command: str, error: Any) -> HomeError:
    error = error if isinstance(error, dict) else {}
    code, message = error.get("code"), error.get("message")
    if code == "unauthorized":
        return HomeUnauthorized(f"Home Assistant refused {command}: {message}")
    return HomeError(f"Home Assistant refused {command}: {code}: {message}")
