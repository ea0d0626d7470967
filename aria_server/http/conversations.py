"""``GET /conversations``, ``GET`` and ``DELETE /conversations/{id}``: the stored history with per-turn
spans, and a way to forget one conversation for good."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from .errors import RequestError
from .keys import AGENT

MAX_PAGE = 200


def _int(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as err:
        raise RequestError(f"{name} must be an integer, not {raw!r}", "bad-query") from err
    if not 0 <= value <= high:
        raise RequestError(f"{name} must be between 0 and {high}", "bad-query")
    return value


async def list_conversations(request: web.Request) -> web.Response:
    """Conversations, most recently active first (``?limit=&offset=``)."""
    limit = _int(request, "limit", 50, MAX_PAGE)
    offset = _int(request, "offset", 0, 1_000_000_000)
    summaries = await request.app[AGENT].store.list_conversations(limit=limit, offset=offset)
    return web.json_response({"conversations": [asdict(summary) for summary in summaries], "limit": limit, "offset": offset})


async def get_conversation(request: web.Request) -> web.Response:
    """One conversation with its turns, oldest first; each turn carries its stage spans."""
    conversation_id = request.match_info["id"]
    record = await request.app[AGENT].store.get_conversation(conversation_id)
    if record is None:
        raise RequestError(f"no conversation {conversation_id!r}", "unknown-conversation")
    return web.json_response({**asdict(record.summary), "turns": [asdict(turn) for turn in record.turns]})


async def delete_conversation(request: web.Request) -> web.Response:
    """Forget one conversation and its turns (204); a follow-up then starts a new one."""
    conversation_id = request.match_info["id"]
    if not await request.app[AGENT].store.delete_conversation(conversation_id):
        raise RequestError(f"no conversation {conversation_id!r}", "unknown-conversation")
    return web.Response(status=204)
