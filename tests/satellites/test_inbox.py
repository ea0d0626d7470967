"""The audio inbox between a satellite connection and the pipeline."""

from __future__ import annotations

import asyncio

from aria_server.satellites.inbox import AudioInbox
from aria_wire.audio import PcmFormat

FMT = PcmFormat(16_000, 2, 1)


async def test_format_of_the_first_chunk_and_ordered_chunks_until_close() -> None:
    inbox = AudioInbox()
    waiting = asyncio.ensure_future(inbox.format())
    inbox.push(b"ab", FMT)
    inbox.push(b"cd", PcmFormat(22_050, 2, 1))
    assert await asyncio.wait_for(waiting, 5) == FMT
    inbox.close()
    inbox.push(b"late", FMT)
    assert [chunk async for chunk in inbox] == [b"ab", b"cd"]
    assert inbox.bytes_in == 4


async def test_closed_without_audio_has_no_format() -> None:
    inbox = AudioInbox()
    inbox.close()
    assert await asyncio.wait_for(inbox.format(), 5) is None
    assert [chunk async for chunk in inbox] == []
