"""Reads Wyoming frames with the size limits the wyoming library leaves out.

A frame is a JSON header line, then ``data_length`` bytes of JSON, then ``payload_length`` bytes.
The library's reader trusts both lengths, so a header claiming 10 GB makes it buffer without
end. Here every length is checked before anything is read: a bad header line raises
ProtocolError (the stream resyncs at the next newline), a length over the limit raises
FrameTooLarge (the payload is never read and the connection must close).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from wyoming.event import Event

from .errors import FrameTooLarge, IdleTimeout, JsonRejected, ProtocolError
from .jsonsafe import loads_bounded


@dataclass(frozen=True)
class FrameLimits:
    """Largest accepted sizes, bytes."""

    max_line_bytes: int
    max_data_bytes: int
    max_payload_bytes: int


def _length(header: dict[str, Any], key: str, limit: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FrameTooLarge(f"{key} must be a non-negative integer, got {value!r}", code="bad-frame-length")
    if value > limit:
        raise FrameTooLarge(f"{key} {value} exceeds the limit of {limit} bytes")
    return value


def _parse_header(line: bytes) -> dict[str, Any]:
    try:
        header = loads_bounded(line)
    except JsonRejected as err:
        raise ProtocolError(f"header is not acceptable JSON: {err.message}", code=err.code) from err
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    if not isinstance(header.get("type"), str) or not header["type"]:
        raise ProtocolError("header has no event type")
    if not isinstance(header.get("data", {}), dict):
        raise ProtocolError("header data is not a JSON object")
    return header


async def read_frame(
    reader: asyncio.StreamReader,
    limits: FrameLimits,
    *,
    idle_timeout_s: float | None = None,
    frame_timeout_s: float | None = None,
) -> Event | None:
    """The next event, or None at a clean end of stream.

    The reader must have been created with ``limit=limits.max_line_bytes`` so that an endless
    header line fails fast instead of filling memory.

    ``idle_timeout_s``: IdleTimeout (``mid_frame`` False) when no whole header line arrives in
    that time. Nothing is consumed then (``readline`` keeps a partial line buffered), so the
    caller may call again. ``frame_timeout_s``: IdleTimeout (``mid_frame`` True: the stream is
    out of sync, close it) when the data and payload of a started frame take longer.
    """
    try:
        async with asyncio.timeout(idle_timeout_s):
            line = await reader.readline()
    except TimeoutError as err:
        raise IdleTimeout(f"no event for {idle_timeout_s:g} s", mid_frame=False) from err
    except (asyncio.LimitOverrunError, ValueError) as err:
        raise FrameTooLarge(f"header line longer than {limits.max_line_bytes} bytes") from err
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise asyncio.IncompleteReadError(line, None)
    if not line.strip():
        raise ProtocolError("empty header line")
    header = _parse_header(line)
    data_length = _length(header, "data_length", limits.max_data_bytes)
    payload_length = _length(header, "payload_length", limits.max_payload_bytes)
    # Read both sections before judging them, so a bad data section leaves the stream in sync.
    try:
        async with asyncio.timeout(frame_timeout_s):
            raw_data = await reader.readexactly(data_length) if data_length else b""
            payload = await reader.readexactly(payload_length) if payload_length else None
    except TimeoutError as err:
        raise IdleTimeout(f"frame body not received within {frame_timeout_s:g} s", mid_frame=True) from err
    data: dict[str, Any] = dict(header.get("data") or {})
    if raw_data:
        try:
            extra = loads_bounded(raw_data)
        except JsonRejected as err:
            raise ProtocolError(f"data section is not acceptable JSON: {err.message}", code=err.code) from err
        if not isinstance(extra, dict):
            raise ProtocolError("data section is not a JSON object")
        data.update(extra)
    return Event(type=header["type"], data=data, payload=payload)
