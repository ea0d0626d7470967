"""A voice turn on the real models: listening ends early for a whole local request, not otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aria_server.events import EventType, PipelineEvent
from aria_server.pipeline.turn import TurnRequest, VoicePipeline
from aria_server.services import Services
from aria_server.vad.base import FRAME_MS
from aria_wire.audio import PcmFormat
from tests.conftest import normalise, read_wav

CHUNK_MS = 32
TRAILING_SILENCE_S = 2.0


class Microphone:
    """A clip and then silence, in 32 ms chunks; counts what the pipeline pulled."""

    def __init__(self, name: str) -> None:
        pcm, rate, width, channels = read_wav(name)
        self.format = PcmFormat(rate, width, channels)
        step = rate * CHUNK_MS // 1000 * width * channels
        audio = pcm + bytes(int(rate * TRAILING_SILENCE_S) * width * channels)
        self.chunks = [audio[offset : offset + step] for offset in range(0, len(audio), step)]
        self.speech_chunks = len(pcm) // step
        self.pulled = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


async def run_turn(services: Services, microphone: Microphone, *, end_on_silence: bool = True) -> list[PipelineEvent]:
    assert services.agent is not None
    pipeline = VoicePipeline(services.stt, services.agent, services.tts, services.turn_taking)
    request = TurnRequest(
        conversation_id="test-turn", audio=microphone.stream(), audio_format=microphone.format,
        language="en", end_on_silence=end_on_silence,
    )
    return [event async for event in pipeline.run_turn(request)]


def only(events: list[PipelineEvent], type_: EventType) -> PipelineEvent:
    found = [event for event in events if event.type is type_]
    assert len(found) == 1, [event.type for event in events]
    return found[0]


@pytest.mark.parametrize(
    ("clip", "heard", "answered"),
    # The 44.1 kHz clip once came back from the quick pass as "What time is it? What time is it?".
    [("set_a_timer", "timer", "timer"), ("what_time_is_it_44k_stereo", "what time is it", ":")],
)
async def test_a_whole_local_request_stops_listening_after_a_short_pause(
    services: Services, clip: str, heard: str, answered: str
) -> None:
    assert services.stt is not None
    microphone = Microphone(clip)
    events = await run_turn(services, microphone)

    assert only(events, EventType.VAD_END).data.get("early") is True
    stt_end = only(events, EventType.STT_END)
    assert stt_end.data["speculative"] and stt_end.data["first_pass"]
    assert heard in normalise(stt_end.data["text"])
    # Far less silence was listened to than the full end-of-speech wait needs.
    full_wait_chunks = services.stt.vad_settings.end_of_speech_ms // CHUNK_MS
    assert microphone.pulled < microphone.speech_chunks + full_wait_chunks
    assert answered in only(events, EventType.LLM_END).data["text"].lower()
    assert any(event.type is EventType.TTS_CHUNK for event in events)
    assert only(events, EventType.TURN_END).data["outcome"] == "done"


async def test_a_request_no_intent_answers_waits_for_the_full_silence(services: Services) -> None:
    assert services.stt is not None
    microphone = Microphone("turn_on_the_lamp")
    events = await run_turn(services, microphone)

    vad_end = only(events, EventType.VAD_END)
    assert "early" not in vad_end.data
    assert not only(events, EventType.STT_END).data["first_pass"]  # the transcript is the full decode
    last_speech_ms = vad_end.data["frame"] * FRAME_MS - services.stt.vad_settings.end_of_speech_ms
    assert last_speech_ms > 0  # the VAD end is a full end-of-speech silence after speech
    assert microphone.pulled < len(microphone.chunks)  # but it did not wait for the stream to end
    assert only(events, EventType.TURN_END).data["outcome"] == "done"


async def test_push_to_talk_listens_until_the_audio_ends(services: Services) -> None:
    microphone = Microphone("set_a_timer")
    events = await run_turn(services, microphone, end_on_silence=False)

    assert microphone.pulled == len(microphone.chunks)
    assert "timer" in normalise(only(events, EventType.STT_END).data["text"])
