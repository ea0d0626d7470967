"""Bounds on what Wyoming clients can hold: connection caps, idle timeouts, odd input, fuzzing
(issue 13, items 2, 3 and 8). Real sockets on 127.0.0.1 and the official wyoming client.

Memory is this process's RSS (psutil): the server runs in the test's own process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
from collections.abc import AsyncIterator

import psutil
import pytest
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.tts import SynthesizeChunk, SynthesizeStart, SynthesizeStop

from aria_server.app import create_wyoming_server
from aria_server.config import validate_tree
from aria_server.settings import ServerSettings
from aria_server.vad.silero import MAX_IDLE_DETECTORS
from aria_server.services import Services
from aria_server.wyoming.server import WyomingServer

TIMEOUT = 60


def _settings(base: ServerSettings, **wyoming: object) -> ServerSettings:
    tree = base.model_dump(mode="json")
    tree["wyoming"].update(wyoming)
    return validate_tree(tree)


@pytest.fixture
async def small_server(settings: ServerSettings, services: Services) -> AsyncIterator[WyomingServer]:
    """Caps of 6 in total and 4 per peer, 1.5 s idle timeout."""
    server = create_wyoming_server(
        _settings(settings, max_connections=6, max_connections_per_peer=4, idle_timeout_s=1.5), services
    )
    await server.start()
    yield server
    await server.stop()


async def _read(client: AsyncTcpClient) -> Event | None:
    return await asyncio.wait_for(client.read_event(), TIMEOUT)


async def _ping(client: AsyncTcpClient, text: str = "hi") -> bool:
    await client.write_event(Ping(text=text).event())
    event = await _read(client)
    return event is not None and Pong.is_type(event.type) and Pong.from_event(event).text == text


async def _connected(port: int, host: str = "127.0.0.1") -> AsyncTcpClient:
    client = AsyncTcpClient(host, port)
    await client.connect()
    return client


async def test_connections_over_the_per_peer_cap_are_refused_with_a_reason(small_server: WyomingServer) -> None:
    held = [await _connected(small_server.port) for _ in range(4)]
    try:
        assert all([await _ping(client) for client in held])
        extra = await _connected(small_server.port)
        event = await _read(extra)
        assert event is not None and Error.from_event(event).code == "too-many-connections"
        assert await _read(extra) is None  # and closed
        await extra.disconnect()
        # Leaving frees the place at once.
        await held.pop().disconnect()
        while small_server.connections > 3:
            await asyncio.sleep(0.01)
        again = await _connected(small_server.port)
        assert await _ping(again)
        held.append(again)
    finally:
        for client in held:
            await client.disconnect()


async def test_the_total_cap_counts_every_peer(small_server: WyomingServer) -> None:
    # Different source addresses on the loopback (127.0.0.2 ...) are different peers.
    async def from_address(source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", small_server.port, local_addr=(source, 0))

    held = [await from_address("127.0.0.1") for _ in range(4)] + [await from_address("127.0.0.2") for _ in range(2)]
    try:
        for reader, writer in held:
            await async_write_event(Ping(text="p").event(), writer)
            event = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
            assert event is not None and Pong.is_type(event.type)
        reader, writer = await from_address("127.0.0.3")
        held.append((reader, writer))
        event = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
        assert event is not None and Error.from_event(event).code == "too-many-connections"
    finally:
        for _, writer in held:
            writer.close()


async def test_an_idle_connection_is_closed_with_idle_timeout(small_server: WyomingServer) -> None:
    client = await _connected(small_server.port)
    try:
        assert await _ping(client)
        event = await _read(client)  # nothing sent: the server gives up after idle_timeout_s
        assert event is not None and Error.from_event(event).code == "idle-timeout"
        assert await _read(client) is None
    finally:
        await client.disconnect()


async def test_a_slow_loris_header_does_not_hold_the_connection(small_server: WyomingServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", small_server.port)
    try:
        for byte in b'{"type": "ping", ':
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)
        # The header line never ends: closed once no whole event came within the idle timeout
        # (slower than any real client; the per-peer cap bounds how many such peers there are).
        data = await asyncio.wait_for(reader.read(), TIMEOUT)
        assert b"idle-timeout" in data
    finally:
        writer.close()


async def test_a_stalled_frame_body_closes_the_connection(small_server: WyomingServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", small_server.port)
    try:
        writer.write(json.dumps({"type": "ping", "data_length": 100}).encode() + b"\n" + b"{")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), TIMEOUT)
        assert b"frame-timeout" in data
    finally:
        writer.close()


async def test_a_long_streamed_answer_is_not_idle(small_server: WyomingServer) -> None:
    # The client sends nothing while it listens; the idle timeout must not cut the answer.
    client = await _connected(small_server.port)
    try:
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="One, two, three, four. " * 12).event())
        await client.write_event(SynthesizeStop().event())
        types = []
        while not types or types[-1] != "synthesize-stopped":
            event = await _read(client)
            assert event is not None
            types.append(event.type)
        assert "error" not in types and types.count("audio-stop") == 1
    finally:
        await client.disconnect()


async def test_stt_sessions_give_their_memory_back(settings: ServerSettings, services: Services) -> None:
    assert services.stt is not None
    server = create_wyoming_server(_settings(settings, max_connections=200, max_connections_per_peer=200), services)
    await server.start()
    process = psutil.Process()
    chunk = AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(16_000)).event()

    async def open_session() -> AsyncTcpClient:
        client = await _connected(server.port)
        await client.write_event(AudioStart(rate=16_000, width=2, channels=1).event())
        await client.write_event(chunk)
        assert await _ping(client)
        return client

    try:
        for _ in range(2):  # the first round warms allocator pools; the second must not add to them
            gc.collect()
            before = process.memory_info().rss
            clients = [await open_session() for _ in range(100)]
            during = process.memory_info().rss
            for client in clients:
                await client.disconnect()
            while server.connections:
                await asyncio.sleep(0.01)
            gc.collect()
            after = process.memory_info().rss
        # 100 sessions held at once create 100 VAD detectors; only a few are pooled afterwards.
        assert services.stt.vad.idle_detectors <= MAX_IDLE_DETECTORS  # type: ignore[attr-defined]
        assert after - before < 0.5 * max(during - before, 64 * 2**20), (before, during, after)
    finally:
        await server.stop()


async def test_a_flood_of_sentence_marks_is_refused_by_total_before_any_scan(wyoming_uri: str) -> None:
    port = int(wyoming_uri.rsplit(":", 1)[1])
    client = await _connected(port)
    try:
        await client.write_event(SynthesizeStart().event())
        for _ in range(4):  # 4 x 10,000 dots froze the event loop for 41 s
            await client.write_event(SynthesizeChunk(text="." * 10_000).event())
        codes = []
        for _ in range(1000):  # the first 10,000 are within the limit: their (silent) audio comes first
            event = await _read(client)
            assert event is not None
            if Error.is_type(event.type):
                codes.append(Error.from_event(event).code)
            if len(codes) == 3:
                break
        assert codes == ["text-too-long"] * 3
        assert await _ping(client, "still here")
    finally:
        await client.disconnect()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"text": 42}, "bad-event"),
        ({"text": "hello", "language": ["en"]}, "bad-event"),
        ({"text": ["what", "time"]}, "bad-event"),
        ({"text": "hello", "context": "nope"}, "bad-event"),
    ],
)
async def test_a_transcript_with_mistyped_fields_is_a_bad_event(
    wyoming_uri: str, services: Services, data: dict[str, object], code: str
) -> None:
    assert services.agent is not None  # the shared services answer transcripts (local intents)
    port = int(wyoming_uri.rsplit(":", 1)[1])
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Event(type="transcript", data=data))
        event = await _read(client)
        assert event is not None and Error.is_type(event.type)
        assert Error.from_event(event).code == code
        # Then the event a handle client waits for, so it never hangs (Home Assistant ignores errors).
        ending = await _read(client)
        assert ending is not None and ending.type == "not-handled"
        assert await _ping(client)


async def test_deep_json_and_huge_integers_get_a_clear_error_and_the_connection_stays(wyoming_uri: str) -> None:
    port = int(wyoming_uri.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        deep = b'{"type": "ping", "data": ' + b'{"a": ' * 30_000 + b"1" + b"}" * 30_000 + b"}\n"
        huge_header = b'{"type": "ping", "data": {"text": "x"}, "data_length": 1' + b"0" * 5000 + b"}\n"
        for frame in (b'{"type": "ping", "data": {"a": ' + b"[" * 40 + b"]" * 40 + b"}}\n", huge_header):
            writer.write(frame)
        await writer.drain()
        assert len(deep) > 65_536  # the deep one is over the line limit: that path is tested elsewhere
        pong = json.dumps({"type": "ping", "data": {"text": "ok"}}).encode() + b"\n"
        writer.write(pong)
        await writer.drain()
        seen = b""
        while b'"pong"' not in seen:
            seen += await asyncio.wait_for(reader.readline(), TIMEOUT)
        assert seen.count(b'"error"') == 2 and b"bad-json" in seen
    finally:
        writer.close()


async def test_seeded_fuzz_never_disturbs_a_well_behaved_client(wyoming_uri: str) -> None:
    """A few thousand malformed or random frames on several connections; meanwhile one client
    keeps pinging and describing and must get every answer."""
    port = int(wyoming_uri.rsplit(":", 1)[1])
    types = ["ping", "describe", "audio-start", "audio-chunk", "audio-stop", "transcribe", "synthesize",
             "synthesize-start", "synthesize-chunk", "synthesize-stop", "transcript", "nonsense", ""]
    values: list[object] = [None, 0, -1, 2**70, 1.5, "x", "", [], {}, [1, [2]], {"a": {"b": 1}}, True, "é" * 50]

    def frame(rng: random.Random) -> bytes:
        kind = rng.random()
        if kind < 0.15:
            return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))) + b"\n"
        data = {rng.choice(["text", "rate", "width", "channels", "language", "context", "voice"]): rng.choice(values)
                for _ in range(rng.randrange(4))}
        header: dict[str, object] = {"type": rng.choice(types), "data": data}
        payload = b""
        if kind < 0.35:
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
            header["payload_length"] = len(payload)
        if kind > 0.95:
            header["data_length"] = rng.choice([-1, "7", 2**40])
        return json.dumps(header).encode() + b"\n" + payload

    async def fuzzer(seed: int, count: int) -> int:
        # One generator per fuzzer: the frames do not depend on how the tasks interleave.
        rng = random.Random(seed)
        sent = 0
        while sent < count:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            drain = asyncio.create_task(reader.read(-1))
            try:
                for _ in range(rng.randrange(20, 200)):
                    writer.write(frame(rng))
                    sent += 1
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()
                drain.cancel()
        return sent

    async def well_behaved(stop: asyncio.Event) -> int:
        answered = 0
        async with AsyncTcpClient("127.0.0.1", port) as client:
            while not stop.is_set():
                assert await _ping(client, f"n{answered}")
                await client.write_event(Describe().event())
                event = await _read(client)
                assert event is not None and Info.is_type(event.type)
                answered += 1
        return answered

    stop = asyncio.Event()
    good = asyncio.create_task(well_behaved(stop))
    sent = sum(await asyncio.gather(*(fuzzer(seed, 1000) for seed in (13, 14, 15))))
    stop.set()
    assert sent >= 3000
    assert await good > 0
    # The server still transcribes for a newcomer after all that.
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(AudioStart(rate=16_000, width=2, channels=1).event())
        await client.write_event(AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(32_000)).event())
        await client.write_event(AudioStop().event())
        while True:
            event = await _read(client)
            assert event is not None
            if Transcript.is_type(event.type):
                break
