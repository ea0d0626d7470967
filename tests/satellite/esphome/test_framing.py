"""Plaintext frames and the message table: exact bytes, bounded reads, clear errors."""

from __future__ import annotations

import asyncio

import pytest
from aioesphomeapi import api_pb2

from aria_satellite.esphome.framing import (
    MAX_PAYLOAD_BYTES,
    FrameError,
    PlaintextTransport,
    encode_plaintext,
    encode_varint,
    read_varint,
)
from aria_satellite.esphome.messages import BY_ID, decode, encode
from aria_wire.errors import ProtocolError


def reader_of(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 16_383, 16_384, 2**21, 2**28 - 1])
async def test_varints_round_trip(value: int) -> None:
    assert await read_varint(reader_of(encode_varint(value))) == value


async def test_a_frame_is_preamble_length_type_payload() -> None:
    payload = api_pb2.HelloRequest(client_info="x").SerializeToString()
    frame = encode_plaintext((1, payload))
    assert frame == b"\x00" + bytes([len(payload), 1]) + payload
    transport = PlaintextTransport(reader_of(frame * 2), writer=None)  # type: ignore[arg-type]
    assert await transport.read() == (1, payload)
    assert await transport.read() == (1, payload)
    assert await transport.read() is None  # a clean end between frames


async def test_a_wrong_preamble_is_a_frame_error() -> None:
    with pytest.raises(FrameError, match="preamble 0x05"):
        await PlaintextTransport(reader_of(b"\x05\x00\x01"), writer=None).read()  # type: ignore[arg-type]


async def test_an_oversize_frame_is_refused_before_it_is_read() -> None:
    header = b"\x00" + encode_varint(MAX_PAYLOAD_BYTES + 1) + b"\x01"
    with pytest.raises(FrameError) as caught:
        await PlaintextTransport(reader_of(header), writer=None).read()  # type: ignore[arg-type]
    assert caught.value.code == "frame-too-large"


async def test_an_endless_varint_is_a_frame_error() -> None:
    with pytest.raises(FrameError, match="varint"):
        await PlaintextTransport(reader_of(b"\x00" + b"\xff" * 8), writer=None).read()  # type: ignore[arg-type]


def test_message_ids_come_from_the_protobuf_options() -> None:
    assert BY_ID[1] is api_pb2.HelloRequest and BY_ID[10] is api_pb2.DeviceInfoResponse
    assert BY_ID[90] is api_pb2.VoiceAssistantRequest and BY_ID[120] is api_pb2.VoiceAssistantAnnounceFinished
    assert encode(api_pb2.PingResponse()) == (8, b"")


def test_an_unknown_id_decodes_to_none_and_bad_protobuf_is_a_protocol_error() -> None:
    assert decode(65_000, b"") is None
    with pytest.raises(ProtocolError) as caught:
        decode(1, b"\x0a\xff")  # a string field whose length runs past the end
    assert caught.value.code == "bad-protobuf"
