"""The Wyoming server over real sockets, driven by the official wyoming client."""

from __future__ import annotations

import asyncio
import json
import random
from urllib.parse import urlparse

import pytest
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.info import Describe, Info, SelectProgram
from wyoming.ping import Ping, Pong
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped, SynthesizeVoice

from tests.conftest import normalise, read_wav

TIMEOUT = 60


def _client(uri: str) -> AsyncTcpClient:
    parsed = urlparse(uri)
    assert parsed.hostname and parsed.port
    return AsyncTcpClient(parsed.hostname, parsed.port)


async def _read(client: AsyncTcpClient) -> Event:
    event = await asyncio.wait_for(client.read_event(), TIMEOUT)
    assert event is not None, "server closed the connection"
    return event


async def _read_until(client: AsyncTcpClient, last_type: str) -> list[Event]:
    events = []
    while True:
        event = await _read(client)
        events.append(event)
        if event.type == last_type:
            return events


async def _send_audio(client: AsyncTcpClient, pcm: bytes, rate: int, width: int, channels: int) -> None:
    await client.write_event(Transcribe(language="en").event())
    await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
    step = int(rate * 0.032) * width * channels
    for offset in range(0, len(pcm), step):
        await client.write_event(AudioChunk(rate=rate, width=width, channels=channels, audio=pcm[offset : offset + step]).event())
    await client.write_event(AudioStop().event())


async def test_describe_lists_asr_and_the_installed_voice(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await client.write_event(Describe().event())
        info = Info.from_event(await _read(client))
    assert info.asr[0].models[0].name == "tiny.en"
    assert info.asr[0].supports_transcript_streaming
    assert [voice.name for voice in info.tts[0].voices] == ["en_US-joe-medium"]
    assert info.tts[0].supports_synthesize_streaming
    assert info.asr[0].requires_external_vad  # the client ends the audio on this path


async def test_transcribes_44k_stereo_with_streaming_events_and_stays_open(wyoming_uri: str) -> None:
    pcm, rate, width, channels = read_wav("what_time_is_it_44k_stereo")
    async with _client(wyoming_uri) as client:
        for _ in range(2):  # the connection stays usable after a transcript
            await _send_audio(client, pcm, rate, width, channels)
            events = await _read_until(client, "transcript")
            types = [e.type for e in events]
            assert types[0] == TranscriptStart.from_event(events[0]).event().type
            assert types[-2:] == ["transcript-stop", "transcript"]
            assert all(TranscriptChunk.is_type(t) for t in types[1:-2]) and len(types) >= 4
            assert TranscriptStop.is_type(types[-2])
            assert normalise(Transcript.from_event(events[-1]).text) == "what time is it"


async def test_transcript_names_and_terms_are_accepted_as_hints(wyoming_uri: str) -> None:
    """Wyoming 1.9+ clients send names and terms to bias recognition (Whisper hotwords); the
    transcript of the clip stays right with them, and the hints do not leak into the next one."""
    pcm, rate, width, channels = read_wav("set_a_timer")
    async with _client(wyoming_uri) as client:
        for transcribe in (
            Transcribe(language="en", transcript_names=["Kitchen light", "Aria"], transcript_terms=["timer", "minutes"]),
            Transcribe(language="en"),
        ):
            await client.write_event(transcribe.event())
            await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
            await client.write_event(AudioChunk(rate=rate, width=width, channels=channels, audio=pcm).event())
            await client.write_event(AudioStop().event())
            text = Transcript.from_event((await _read_until(client, "transcript"))[-1]).text
            assert normalise(text) == "set a timer for five minutes"


async def test_silence_over_the_wire_gives_an_empty_transcript(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await _send_audio(client, bytes(16_000 * 2), 16_000, 2, 1)
        events = await _read_until(client, "transcript")
    assert Transcript.from_event(events[-1]).text == ""


def _audio_of(events: list[Event]) -> tuple[AudioStart, bytes]:
    starts = [AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type)]
    assert len(starts) == 1
    assert sum(AudioStop.is_type(e.type) for e in events) == 1
    pcm = b"".join(AudioChunk.from_event(e).audio for e in events if AudioChunk.is_type(e.type))
    return starts[0], pcm


async def test_plain_synthesize_returns_22k_mono_audio(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await client.write_event(Synthesize(text="The kitchen light is on.").event())
        events = await _read_until(client, "audio-stop")
    start, pcm = _audio_of(events)
    assert (start.rate, start.width, start.channels) == (22_050, 2, 1)
    assert len(pcm) / (22_050 * 2) > 0.8


async def test_streaming_synthesize_ends_with_synthesize_stopped(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await client.write_event(SynthesizeStart().event())
        for part in ("Sure, I have turned ", "on the lamp. ", "Anything else?"):
            await client.write_event(SynthesizeChunk(text=part).event())
        # Streaming clients also send the whole text for old servers; it must not be spoken twice.
        await client.write_event(Synthesize(text="Sure, I have turned on the lamp. Anything else?").event())
        await client.write_event(SynthesizeStop().event())
        events = await _read_until(client, "synthesize-stopped")
    assert SynthesizeStopped.is_type(events[-1].type)
    _, pcm = _audio_of(events)
    seconds = len(pcm) / (22_050 * 2)
    assert 1.5 < seconds < 6


async def test_several_clients_at_once(wyoming_uri: str) -> None:
    pcm, rate, width, channels = read_wav("set_a_timer")

    async def transcribe() -> str:
        async with _client(wyoming_uri) as client:
            await _send_audio(client, pcm, rate, width, channels)
            return Transcript.from_event((await _read_until(client, "transcript"))[-1]).text

    async def synthesize() -> int:
        async with _client(wyoming_uri) as client:
            await client.write_event(Synthesize(text="Five minutes, starting now.").event())
            return len(_audio_of(await _read_until(client, "audio-stop"))[1])

    results = await asyncio.gather(transcribe(), transcribe(), transcribe(), synthesize(), synthesize())
    for text in results[:3]:
        assert "timer" in normalise(str(text))
    assert all(int(n) > 0 for n in results[3:])


@pytest.mark.parametrize(
    ("events", "code", "then"),
    [
        ([AudioStart(rate=16_000, width=3, channels=1).event()], "bad-audio-format", []),
        ([AudioChunk(rate=16_000, width=2, channels=1, audio=b"\0\0").event()], "audio-not-started", []),
        # A request's last event gets, after the error, the event its client waits for (Home
        # Assistant 2025.4 ignores error events): an empty transcript, empty audio, not-handled.
        ([AudioStop().event()], "audio-not-started", ["transcript"]),
        ([Synthesize(text="x" * 10_001).event()], "text-too-long", ["audio-start", "audio-stop"]),
        ([Synthesize(text="Hello.", voice=SynthesizeVoice(name="nl_NL-nobody-low")).event()], "voice-not-installed", ["audio-start", "audio-stop"]),
        ([SynthesizeChunk(text="hi").event()], "synthesis-not-started", []),
        ([SynthesizeStop().event()], "synthesis-not-started", ["audio-start", "audio-stop", "synthesize-stopped"]),
        ([Event(type="synthesize", data={})], "bad-event", ["audio-start", "audio-stop"]),
        ([Event(type="transcript", data={})], "bad-event", ["not-handled"]),
        ([SelectProgram(name="whisper-large").event()], "unknown-program", []),
    ],
)
async def test_bad_requests_get_an_error_then_their_end_and_the_connection_survives(
    wyoming_uri: str, events: list[Event], code: str, then: list[str]
) -> None:
    async with _client(wyoming_uri) as client:
        for event in events:
            await client.write_event(event)
        error = await _read(client)
        assert Error.is_type(error.type)
        assert Error.from_event(error).code == code
        assert [(await _read(client)).type for _ in then] == then
        await client.write_event(Ping(text="still there?").event())
        assert Pong.from_event(await _read(client)).text == "still there?"


async def test_a_failed_transcription_ends_with_an_empty_transcript(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await client.write_event(AudioStop().event())
        assert Error.is_type((await _read(client)).type)
        assert Transcript.from_event(await _read(client)).text == ""


async def test_a_streaming_synthesis_with_a_voice_not_installed_ends_at_synthesize_stop(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await client.write_event(SynthesizeStart(voice=SynthesizeVoice(name="nl_NL-nobody-low")).event())
        await client.write_event(SynthesizeChunk(text="Hello there. ").event())
        await client.write_event(SynthesizeStop().event())
        events = await _read_until(client, "synthesize-stopped")
    assert [e.type for e in events] == ["error", "audio-start", "audio-stop", "synthesize-stopped"]
    assert Error.from_event(events[0]).code == "voice-not-installed"


async def test_selecting_one_of_the_advertised_programs_changes_nothing(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        await client.write_event(SelectProgram(name="aria-tts").event())
        await client.write_event(Synthesize(text="Hello.").event())
        events = await _read_until(client, "audio-stop")
    assert "error" not in [e.type for e in events]


async def test_a_voice_that_is_installed_is_spoken_with(wyoming_uri: str) -> None:
    async with _client(wyoming_uri) as client:
        voice = SynthesizeVoice(name="en_US-joe-medium")
        await client.write_event(Synthesize(text="Hello there.", voice=voice).event())
        events = await _read_until(client, "audio-stop")
    assert "error" not in [e.type for e in events]
    assert any(e.type == "audio-chunk" for e in events)


async def test_oversize_payload_is_refused_without_reading_it(wyoming_uri: str) -> None:
    host, port = urlparse(wyoming_uri).hostname, urlparse(wyoming_uri).port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(json.dumps({"type": "audio-chunk", "payload_length": 10**10}).encode() + b"\n")
    await writer.drain()
    error = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
    assert error is not None and Error.from_event(error).code == "frame-too-large"
    assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # closed by the server
    writer.close()


def _garbage(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b"") + b"\n"
    if kind == 1:
        return b'{"type": "audio-chunk", "data_length": ' + str(rng.randrange(5, 50)).encode() + b"}\n" + b"{bad json!" * 5
    if kind == 2:
        return json.dumps({"type": rng.choice(["audio-start", "synthesize", "transcribe", "zzz"]), "data": {"rate": "x"}}).encode() + b"\n"
    if kind == 3:
        return b'{"type": 5}\n'
    if kind == 4:
        return b"[]\n"
    return json.dumps({"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 3}).encode() + b"\nabc"


async def test_fuzzed_and_truncated_frames_do_not_stop_the_server(wyoming_uri: str) -> None:
    host, port = urlparse(wyoming_uri).hostname, urlparse(wyoming_uri).port
    rng = random.Random(1234)

    async def hammer(connection: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        frames = [_garbage(rng) for _ in range(500)]
        blob = b"".join(frames)
        if connection % 2:
            blob = blob[: rng.randrange(len(blob))]  # truncated mid-frame
        writer.write(blob)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        await reader.read()

    await asyncio.gather(*(hammer(i) for i in range(8)))
    async with _client(wyoming_uri) as client:
        await client.write_event(Describe().event())
        assert Info.is_type((await _read(client)).type)
