"""The microphone between a face that receives audio and the pipeline that reads it."""

from __future__ import annotations

import asyncio

from aria_server.pipeline.microphone import Microphone
from aria_wire.audio import PcmFormat

FMT = PcmFormat(16_000, 2, 1)


async def test_format_of_the_first_chunk_and_ordered_chunks_until_the_end() -> None:
    mic = Microphone()
    waiting = asyncio.ensure_future(mic.format())
    await mic.put(b"ab", FMT)
    await mic.put(b"cd", PcmFormat(22_050, 2, 1))
    assert await asyncio.wait_for(waiting, 5) == FMT
    mic.end()
    await mic.put(b"late", FMT)
    assert [chunk async for chunk in mic] == [b"ab", b"cd"]
    assert mic.bytes_in == 4


async def test_ended_without_audio_has_no_format() -> None:
    mic = Microphone()
    mic.end()
    assert await asyncio.wait_for(mic.format(), 5) is None
    assert [chunk async for chunk in mic] == []


async def test_a_full_queue_holds_the_sender_until_the_reader_takes_a_chunk() -> None:
    mic = Microphone(capacity=2, fmt=FMT)
    await mic.put(b"1")
    await mic.put(b"2")
    third = asyncio.ensure_future(mic.put(b"3"))
    await asyncio.sleep(0)
    assert not third.done(), "the sender waits while the queue is full"
    chunks = aiter(mic)
    assert await anext(chunks) == b"1"
    await asyncio.wait_for(third, 5)
    mic.end()
    assert [chunk async for chunk in chunks] == [b"2", b"3"]


async def test_detach_drops_what_is_queued_and_releases_a_waiting_sender() -> None:
    mic = Microphone(capacity=1, fmt=FMT)
    await mic.put(b"1")
    blocked = asyncio.ensure_future(mic.put(b"2"))
    await asyncio.sleep(0)
    mic.detach()
    await asyncio.wait_for(blocked, 5)
    assert mic.closed and [chunk async for chunk in mic] == []
    assert mic.bytes_in == 1


async def test_a_reader_waiting_for_audio_ends_when_detached() -> None:
    mic = Microphone(fmt=FMT)
    chunks = aiter(mic)
    await mic.put(b"1")
    assert await anext(chunks) == b"1"
    waiting = asyncio.ensure_future(anext(chunks, None))
    await asyncio.sleep(0)
    assert not waiting.done(), "the reader waits for more audio"
    mic.detach()
    assert await asyncio.wait_for(waiting, 5) is None
