"""``GET /ws``: the conversation WebSocket (messages in ``ws_messages``, turns in ``ws_session``).

Access (token, Origin) is checked by the access middleware before the upgrade. A message over
``http.max_ws_message_bytes`` closes the socket with 1009 (message too big); a malformed
message is answered with an error status and the connection carries on.
"""

from __future__ import annotations

import logging
import re
import uuid

from aiohttp import WSMsgType, web

from ..errors import AriaError, ProtocolError
from ..pipeline.runner import TurnRunner
from .errors import RequestError
from .keys import AGENT, CONFIG, SERVICES, SOCKETS
from .ws_messages import parse_client_message
from .ws_session import WsSession

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_S = 30.0
"""Ping interval; a client that stops answering is dropped after about this long."""

_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _conversation_id(request: web.Request) -> str | None:
    """``?conversation=ID`` continues a conversation (the dashboard keeps its ID across reconnects)."""
    value = request.query.get("conversation")
    if value is not None and not _CONVERSATION_ID.match(value):
        raise RequestError("conversation must be 1-64 letters, digits, '-' or '_'", "bad-conversation-id")
    return value


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Serve one client until it leaves; its turn in flight is cancelled then."""
    conversation_id = _conversation_id(request)
    settings = request.app[CONFIG].settings
    ws = web.WebSocketResponse(max_msg_size=settings.http.max_ws_message_bytes, heartbeat=HEARTBEAT_S)
    await ws.prepare(request)
    agent = request.app[AGENT]
    services = request.app[SERVICES]
    client = f"ws-{uuid.uuid4().hex[:12]}"
    runner = TurnRunner(
        services.pipeline, services.recorder, face="ws", name=f"ws-turn {client}", conversations=services.sessions
    )
    session = WsSession(ws, runner, client=client, model=agent.health().get("model") or settings.llm.backend)
    sockets = request.app[SOCKETS]
    sockets.add(ws)
    try:
        await session.hello(conversation_id)
        async for msg in ws:
            try:
                if msg.type is WSMsgType.TEXT:
                    await session.on_message(parse_client_message(msg.data))
                elif msg.type is WSMsgType.BINARY:
                    await session.on_audio(msg.data)
            except AriaError as err:
                if not isinstance(err, ProtocolError):
                    _LOGGER.info("/ws message failed: %s", err)
                await session.send_error(err)
        if ws.exception() is not None:
            _LOGGER.info("/ws closed: %r", ws.exception())
    finally:
        await session.close()
        sockets.discard(ws)
    return ws
