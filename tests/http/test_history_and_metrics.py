"""A /ws turn lands in /conversations with its spans and in /metrics: the same records as satellites."""

from __future__ import annotations

import re

import aiohttp

from .ws_client import read_turn


async def test_a_ws_turn_is_stored_with_its_spans_and_counted(http: aiohttp.ClientSession) -> None:
    async with http.ws_connect("/ws") as ws:
        hello = await ws.receive_json(timeout=30)
        conversation_id = hello["metadata"]["conversationId"]
        await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1})
        turn = await read_turn(ws)
    reply = next(m["data"] for m in turn.of("response") if m["metadata"]["final"])

    async with http.get("/conversations") as response:
        listed = (await response.json())["conversations"]
    summary = next(c for c in listed if c["id"] == conversation_id)
    assert summary["turns"] == 1 and summary["last_user_text"] == "What time is it?"

    async with http.get(f"/conversations/{conversation_id}") as response:
        conversation = await response.json()
    [stored] = conversation["turns"]
    assert stored["user_text"] == "What time is it?" and stored["reply_text"] == reply
    spans = stored["spans"]["pipeline"]
    assert spans["face"] == "ws" and spans["outcome"] == "done"
    marks = spans["since_start_ms"]
    assert marks["turn_start"] == 0 <= marks["first_token"] <= marks["first_audio_out"] <= marks["turn_end"]

    async with http.get("/metrics") as response:
        assert response.status == 200 and response.content_type == "text/plain"
        text = await response.text()
    done = re.search(r'^aria_turns_total\{face="ws",outcome="done"\} ([\d.]+)$', text, re.M)
    assert done is not None and float(done.group(1)) >= 1
    assert re.search(r'^aria_stage_latency_seconds_bucket\{face="ws",le="\+Inf",stage="typed_to_first_audio"\} [1-9]', text, re.M)
    assert "# TYPE aria_stage_latency_seconds histogram" in text
    assert re.search(r"^aria_ws_connections [\d.]+$", text, re.M)


async def test_a_conversation_can_be_forgotten(http: aiohttp.ClientSession) -> None:
    async with http.ws_connect("/ws") as ws:
        conversation_id = (await ws.receive_json(timeout=30))["metadata"]["conversationId"]
        await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1})
        await read_turn(ws)
    async with http.delete(f"/conversations/{conversation_id}") as response:
        assert response.status == 204
    async with http.get(f"/conversations/{conversation_id}") as response:
        assert response.status == 404
    async with http.delete(f"/conversations/{conversation_id}") as response:
        assert response.status == 404 and (await response.json())["error"]["code"] == "unknown-conversation"


async def test_an_unknown_conversation_is_a_404(http: aiohttp.ClientSession) -> None:
    async with http.get("/conversations/nope") as response:
        assert response.status == 404 and (await response.json())["error"]["code"] == "unknown-conversation"


async def test_paging_parameters_are_checked(http: aiohttp.ClientSession) -> None:
    async with http.get("/conversations?limit=lots") as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == "bad-query"
    async with http.get("/conversations?limit=1") as response:
        assert response.status == 200 and len((await response.json())["conversations"]) <= 1
