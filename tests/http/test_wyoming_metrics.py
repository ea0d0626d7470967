"""Home Assistant's speech-to-text and text-to-speech traffic is metered like turns: a Wyoming
``asr`` and a ``synthesize`` request from the official client show up in ``/metrics``."""

from __future__ import annotations

import re

import aiohttp
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.tts import Synthesize

from tests.conftest import read_wav

from .server_process import AriaProcess

TIMEOUT = 60
CHUNK_BYTES = 2048


async def _wyoming(aria: AriaProcess) -> AsyncTcpClient:
    match = await aria.wait_for_line(r"Wyoming server listening on tcp://([\d.]+):(\d+)")
    return AsyncTcpClient(match.group(1), int(match.group(2)))


async def _read_until(client: AsyncTcpClient, wanted: str) -> list[Event]:
    events = []
    while True:
        event = await client.read_event()
        assert event is not None, "the server closed the connection"
        events.append(event)
        if event.type == wanted:
            return events


def _count(text: str, face: str, outcome: str = "done") -> float:
    found = re.search(rf'^aria_turns_total\{{face="{face}",outcome="{outcome}"\}} ([\d.]+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


async def _metrics(http: aiohttp.ClientSession) -> str:
    async with http.get("/metrics") as response:
        assert response.status == 200
        return await response.text()


async def test_an_asr_request_is_counted_with_its_latency(aria: AriaProcess, http: aiohttp.ClientSession) -> None:
    before = _count(await _metrics(http), "wyoming-asr")
    pcm, rate, width, channels = read_wav("turn_on_the_lamp")
    async with await _wyoming(aria) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
        for start in range(0, len(pcm), CHUNK_BYTES):
            chunk = pcm[start:start + CHUNK_BYTES]
            await client.write_event(AudioChunk(rate=rate, width=width, channels=channels, audio=chunk).event())
        await client.write_event(AudioStop().event())
        events = await _read_until(client, "transcript")
    assert "living room" in Transcript.from_event(events[-1]).text.lower()

    text = await _metrics(http)  # counted before the transcript was sent: no wait needed
    assert _count(text, "wyoming-asr") == before + 1
    assert re.search(r'^aria_stage_latency_seconds_count\{face="wyoming-asr",stage="asr"\} [1-9]', text, re.M)


async def test_a_synthesize_request_is_counted_with_its_first_audio(
    aria: AriaProcess, http: aiohttp.ClientSession
) -> None:
    before = _count(await _metrics(http), "wyoming-tts")
    async with await _wyoming(aria) as client:
        await client.write_event(Synthesize(text="The lamp is on.").event())
        await _read_until(client, "audio-stop")

    text = await _metrics(http)
    assert _count(text, "wyoming-tts") == before + 1
    assert re.search(
        r'^aria_stage_latency_seconds_count\{face="wyoming-tts",stage="typed_to_first_audio"\} [1-9]', text, re.M
    )


async def test_a_refused_synthesize_request_is_counted_with_its_code(
    aria: AriaProcess, http: aiohttp.ClientSession
) -> None:
    async with await _wyoming(aria) as client:
        await client.write_event(Synthesize(text="x" * 20_000).event())  # over tts.max_text_chars
        await _read_until(client, "audio-stop")

    text = await _metrics(http)
    assert _count(text, "wyoming-tts", "error") >= 1
    assert re.search(r'^aria_errors_total\{code="text-too-long",face="wyoming-tts"\} [1-9]', text, re.M)
