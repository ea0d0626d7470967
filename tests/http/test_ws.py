"""WebSocket /ws against the real server: typed and spoken turns, commands, and bad input."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest

from ..conftest import normalise
from .server_process import AriaProcess
from .ws_client import compress, frames, read_turn, speech_16k


@pytest.fixture
async def ws(http: aiohttp.ClientSession) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with http.ws_connect("/ws") as socket:
        hello = await socket.receive_json(timeout=30)
        assert hello["type"] == "status" and hello["data"] == "idle"
        yield socket


async def test_hello_names_the_conversation_and_the_audio_format(http: aiohttp.ClientSession) -> None:
    async with http.ws_connect("/ws?conversation=kitchen-42") as ws:
        hello = await ws.receive_json(timeout=30)
    assert hello["metadata"]["conversationId"] == "kitchen-42"
    assert hello["metadata"]["inputFormat"] == {
        "rate": 16000, "width": 2, "channels": 1, "samplesPerFrame": 512, "encoding": "pcm_s16le",
    }


async def test_a_typed_question_streams_text_then_audio(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1})
    turn = await read_turn(ws)
    order = compress(turn.order)
    assert order[0] == "status:thinking"
    assert order.index("response:delta") < order.index("status:speaking") < order.index("audio:start")
    assert order.index("audio:start") < order.index("binary") < order.index("audio:end") < order.index("status:idle")
    final = [m for m in turn.of("response") if m["metadata"]["final"]]
    deltas = [m["data"] for m in turn.of("response") if not m["metadata"]["final"]]
    assert len(final) == 1 and final[0]["data"] == "".join(deltas) and final[0]["data"].strip()
    start = next(m for m in turn.of("audio") if m["data"] == "start")["metadata"]
    assert start["rate"] == 22050 and start["width"] == 2 and start["channels"] == 1 and start["encoding"] == "pcm_s16le"
    assert sum(len(chunk) for chunk in turn.audio) > 22050  # more than half a second of speech
    idle = turn.final["metadata"]
    assert idle["outcome"] == "done"
    assert {"firstToken", "firstAudio", "end"} <= set(idle["timeline"])


async def test_speak_false_answers_in_text_only(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1, "speak": False})
    turn = await read_turn(ws)
    assert not turn.audio and not turn.of("audio")
    assert any(m["metadata"]["final"] for m in turn.of("response"))


async def test_a_spoken_question_is_transcribed_and_answered_aloud(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_json({"type": "command", "data": "start", "timestamp": 1})
    for frame in frames(speech_16k("what_time_is_it_44k_stereo", trailing_silence_s=2.0)):
        await ws.send_bytes(frame)
    turn = await read_turn(ws)
    order = compress(turn.order)
    assert order[0] == "status:listening"
    assert order.index("status:thinking") < order.index("transcript:final") < order.index("status:speaking")
    transcript = next(m for m in turn.of("transcript") if m["metadata"]["final"])
    assert normalise(transcript["data"]) == "what time is it"
    assert turn.audio
    timeline = turn.final["metadata"]["timeline"]
    assert timeline["speechStart"] <= timeline["speechEnd"] <= timeline["transcript"] <= timeline["firstAudio"]


async def test_stop_ends_listening_like_releasing_push_to_talk(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_json({"type": "command", "data": "start", "timestamp": 1})
    for frame in frames(speech_16k("what_time_is_it_44k_stereo")):
        await ws.send_bytes(frame)
    await ws.send_json({"type": "command", "data": "stop", "timestamp": 2})
    turn = await read_turn(ws)
    transcript = next(m for m in turn.of("transcript") if m["metadata"]["final"])
    assert normalise(transcript["data"]) == "what time is it"
    assert "speechEnd" in turn.final["metadata"]["timeline"]


async def test_cancel_drops_the_turn_in_flight(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_json({"type": "command", "data": "start", "timestamp": 1})
    for frame in frames(speech_16k("what_time_is_it_44k_stereo"))[:20]:
        await ws.send_bytes(frame)  # mid-sentence: the turn is still listening
    await ws.send_json({"type": "command", "data": "cancel", "timestamp": 2})
    turn = await read_turn(ws)
    assert turn.final["metadata"]["cancelled"] is True
    assert not turn.of("transcript") and not turn.audio
    # The connection carries on with the next turn.
    await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 3, "speak": False})
    assert (await read_turn(ws)).final["metadata"]["outcome"] == "done"


async def test_new_conversation_changes_the_conversation_id(ws: aiohttp.ClientWebSocketResponse, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect("/ws?conversation=first-one") as socket:
        await socket.receive_json(timeout=30)
        await socket.send_json({"type": "command", "data": "new-conversation", "timestamp": 1})
        status = await socket.receive_json(timeout=30)
    assert status["data"] == "idle" and status["metadata"]["conversationId"] not in (None, "first-one")


async def test_audio_while_not_listening_is_ignored(ws: aiohttp.ClientWebSocketResponse) -> None:
    for frame in frames(speech_16k("what_time_is_it_44k_stereo"))[:10]:
        await ws.send_bytes(frame)
    await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1, "speak": False})
    turn = await read_turn(ws)
    assert turn.order[0] == "status:thinking", "no turn and no error came from the stray frames"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("{not json", "bad-json"),
        ('["text", "hi"]', "bad-message"),
        ('{"type": "shout", "data": "hi"}', "bad-message"),
        ('{"type": "text", "data": 42}', "bad-message"),
        ('{"type": "text", "data": "hi", "speak": "yes"}', "bad-message"),
        ('{"type": "text", "data": "hi", "extra": 1}', "bad-message"),
        ('{"type": "command", "data": "dance"}', "unknown-command"),
        ('{"type": "text", "data": "   "}', "empty-text"),
        ('{"type": "audio", "data": "%%%"}', "bad-audio"),
    ],
)
async def test_bad_messages_are_answered_with_an_error_and_the_socket_stays_open(
    ws: aiohttp.ClientWebSocketResponse, payload: str, code: str
) -> None:
    await ws.send_str(payload)
    reply = await ws.receive_json(timeout=30)
    assert reply["type"] == "status" and reply["data"] == "error"
    assert reply["metadata"]["error"]["code"] == code and reply["metadata"]["error"]["message"]
    await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1, "speak": False})
    assert (await read_turn(ws)).final["metadata"]["outcome"] == "done"


async def test_audio_frames_must_hold_whole_samples(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_bytes(b"\x01\x02\x03")
    reply = await ws.receive_json(timeout=30)
    assert reply["metadata"]["error"]["code"] == "bad-audio"
    await ws.send_json({"type": "audio", "data": base64.b64encode(b"\x00\x00").decode(), "timestamp": 1})
    await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 2, "speak": False})
    assert (await read_turn(ws)).order[0] == "status:thinking", "base64 audio is accepted (and dropped while idle)"


async def test_an_oversize_frame_closes_the_socket_with_1009(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_bytes(bytes(70_000))
    msg = await ws.receive(timeout=30)
    assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG


async def test_a_malformed_conversation_id_is_refused_before_the_upgrade(http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect("/ws?conversation=not%20ok!")
    assert refused.value.status == 400


async def test_the_server_keeps_serving_after_a_client_vanishes_mid_turn(aria: AriaProcess, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect("/ws") as ws:
        await ws.receive_json(timeout=30)
        await ws.send_json({"type": "text", "data": "What time is it?", "timestamp": 1})
    async with http.get("/health") as response:
        assert response.status == 200
    assert "Traceback" not in aria.log
