"""The guarded reader refuses oversize and malformed frames before reading their payload."""

from __future__ import annotations

import asyncio
import json

import pytest

from aria_server.errors import FrameTooLarge, ProtocolError
from aria_wire.framing import FrameLimits, read_frame

LIMITS = FrameLimits(max_line_bytes=1024, max_data_bytes=2048, max_payload_bytes=4096)


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=LIMITS.max_line_bytes)
    reader.feed_data(data)
    reader.feed_eof()
    return reader


def _header(**fields: object) -> bytes:
    return json.dumps(fields).encode() + b"\n"


async def test_reads_header_data_and_payload() -> None:
    data = json.dumps({"rate": 16000}).encode()
    reader = _reader(_header(type="audio-chunk", data_length=len(data), payload_length=4) + data + b"\x01\x02\x03\x04")
    event = await read_frame(reader, LIMITS)
    assert event is not None
    assert event.type == "audio-chunk"
    assert event.data == {"rate": 16000}
    assert event.payload == b"\x01\x02\x03\x04"
    assert await read_frame(reader, LIMITS) is None


@pytest.mark.parametrize(
    "header",
    [
        _header(type="audio-chunk", payload_length=10**12),
        _header(type="x", data_length=4097),
        _header(type="x", payload_length=-1),
        _header(type="x", payload_length="10"),
        b'{"type": "x", "pad": "' + b"a" * 2000 + b'"}\n',
    ],
)
async def test_oversize_or_bad_lengths_raise_frame_too_large(header: bytes) -> None:
    with pytest.raises(FrameTooLarge):
        await read_frame(_reader(header), LIMITS)


@pytest.mark.parametrize("line", [b"not json\n", b"[1, 2]\n", b'{"data": {}}\n', b'{"type": ""}\n', b"\n"])
async def test_malformed_header_raises_protocol_error_and_stream_resyncs(line: bytes) -> None:
    reader = _reader(line + _header(type="ping"))
    with pytest.raises(ProtocolError) as caught:
        await read_frame(reader, LIMITS)
    assert not isinstance(caught.value, FrameTooLarge)
    event = await read_frame(reader, LIMITS)
    assert event is not None and event.type == "ping"


async def test_truncated_payload_is_an_incomplete_read() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await read_frame(_reader(_header(type="audio-chunk", payload_length=100) + b"short"), LIMITS)
