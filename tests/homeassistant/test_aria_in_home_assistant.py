"""Home Assistant uses Aria: the Wyoming config flow, and pipelines with Aria's STT, agent and TTS."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from tests.conftest import normalise

from .conftest import Aria, AriaEntry, read_clip
from .harness import HomeAssistant, HomeAssistantError, HomeAssistantWs


async def test_the_config_flow_creates_stt_tts_and_conversation_entities(
    home_assistant: HomeAssistant, aria_entry: AriaEntry
) -> None:
    assert aria_entry.entry["title"]
    for entity_id in (aria_entry.stt, aria_entry.tts, aria_entry.conversation):
        state = await home_assistant.get(f"/api/states/{entity_id}")
        assert state["state"] != "unavailable", state


async def test_a_text_pipeline_is_answered_by_aria(
    home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str, timings: dict[str, Any]
) -> None:
    run = await ha_ws.run_pipeline(start_stage="intent", end_stage="tts", input={"text": "What time is it?"}, pipeline=aria_pipeline)
    assert "error" not in run.types(), run.events
    assert run.types()[-1] == "run-end"
    assert ":" in run.speech or "o'clock" in run.speech.lower(), run.speech
    assert run.first("tts-end")["tts_output"]["url"]
    if home_assistant.at_least("2025.7"):
        # Aria's TTS takes streamed text, but Home Assistant's Wyoming agent hands on only the
        # final reply (it never streams into Home Assistant's chat log): speech starts after the
        # whole reply is written, as on 2025.4, and then plays as it is synthesized.
        assert run.first("run-start")["tts_output"]["stream_response"] is False, run.events[0]
        assert not any((e.get("data") or {}).get("tts_start_streaming") for e in run.events), run.events


async def _audio_run(ws: HomeAssistantWs, pipeline: str, clip: str) -> Any:
    # Home Assistant's own VAD runs on the forwarded audio; the clip is followed by the end of the
    # stream, so "end of speech" is when the test sent that end.
    return await ws.run_pipeline(
        start_stage="stt", end_stage="tts", input={"sample_rate": 16_000}, pipeline=pipeline, audio=read_clip(clip)
    )


CLIPS = {
    "what_time_is_it": "what time is it",
    "what_is_the_weather_like_tomorrow": "what is the weather like tomorrow",
    "turn_on_the_kitchen_light": "turn on the kitchen light",
}
"""A local intent for both agents, a question Aria gives its language model (Home Assistant's agent
does not know it), and a device command Aria hands to Home Assistant's intent engine (its fast path):
stt-end -> tts-start for each."""


async def test_an_audio_pipeline_is_transcribed_answered_and_spoken_by_aria(
    ha_ws: HomeAssistantWs, aria_pipeline: str, ha_agent_pipeline: str, timings: dict[str, Any]
) -> None:
    for clip, said in CLIPS.items():
        for name, pipeline in (("aria", aria_pipeline), ("ha", ha_agent_pipeline)):
            for _ in range(3):
                run = await _audio_run(ha_ws, pipeline, clip)
                assert "error" not in run.types(), run.events
                assert normalise(run.first("stt-end")["stt_output"]["text"]) == said
                assert run.speech, run.events
                assert run.first("tts-end")["tts_output"]["url"]
                assert run.audio_ended_at is not None
                timings.setdefault("end of audio -> stt-end", []).append((run.at("stt-end") - run.audio_ended_at) * 1000)
                timings.setdefault(f"stt-end -> tts-start, {clip}, {name} agent", []).append(
                    (run.at("tts-start") - run.at("stt-end")) * 1000
                )


async def test_a_tts_text_over_the_limit_is_answered_within_ten_seconds(
    home_assistant: HomeAssistant, aria_entry: AriaEntry
) -> None:
    """Aria refuses 10,001 characters; Home Assistant must hear that, not wait forever.
    (A liveness bound, not a speed figure: today's failure is a hang.) 2025.4's TTS URL answers
    500; from 2025.7 the audio is streamed, the answer has begun before Aria refuses, and the URL
    answers 200 with no audio (an empty MP3)."""
    message = ("The quick brown fox jumps over the lazy dog. " * 250)[:10_001]
    async with asyncio.timeout(10):
        try:
            got = await home_assistant.post("/api/tts_get_url", {"engine_id": aria_entry.tts, "message": message, "cache": False})
        except HomeAssistantError as err:
            assert "500" in str(err) or "400" in str(err), err
            return
        async with home_assistant.http.get(got["path"]) as response:
            body = await response.read()
    if home_assistant.at_least("2025.7"):
        assert response.status == 200 and len(body) < 1_000, (response.status, len(body))
    else:
        assert response.status == 500, (response.status, len(body))


def _wav_data_size(wav: bytes) -> tuple[int, int]:
    """(frames the header's data chunk declares, frames there are) of a 16-bit mono WAV."""
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE", wav[:64]
    at = wav.index(b"data", 12)
    declared = struct.unpack("<I", wav[at + 4 : at + 8])[0]
    return declared // 2, len(wav[at + 8 :]) // 2


async def test_home_assistant_streams_arias_speech_from_2025_7(home_assistant: HomeAssistant, aria_entry: AriaEntry) -> None:
    """2025.4 sends one ``synthesize`` and collects every chunk into a WAV before handing it on
    (its header counts the frames); from 2025.7, since Aria's ``info`` says it streams synthesis,
    it sends ``synthesize-start/chunk/stop`` (with the whole text in ``synthesize`` too) and hands
    the audio on as it arrives, behind a WAV header that counts no frames (length unknown)."""
    got = await home_assistant.post(
        "/api/tts_get_url",
        # WAV as Aria sends it: any other format is converted by ffmpeg, which hides the header.
        {"engine_id": aria_entry.tts, "message": "The first clause. The second clause.", "cache": False,
         "options": {"preferred_format": "wav"}},
    )
    async with home_assistant.http.get(got["path"]) as response:
        assert response.status == 200, await response.text()
        body = await response.read()
    declared, frames = _wav_data_size(body)
    assert frames > 8_000, frames  # both clauses spoken (over a third of a second at 22 kHz)
    if home_assistant.at_least("2025.7"):
        assert declared == 0, (declared, frames)
    else:
        assert declared == frames, (declared, frames)


async def test_a_follow_up_through_home_assistant_stays_in_one_aria_conversation(
    home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str, aria: Aria
) -> None:
    """Home Assistant opens a new port per request. Its Wyoming client before 1.7 (2025.4.4 has
    1.5.4) drops the conversation id: Aria must still see one conversation (its per-host session).
    From 2025.7 (wyoming 1.7, which streaming TTS brought) the transcript's context carries Home
    Assistant's conversation id, and Aria's conversation is that one. (The bundled model may not
    answer "Bob"; the stored history is the proof.)"""
    first = await ha_ws.run_pipeline(start_stage="intent", end_stage="intent", input={"text": "My name is Bob."}, pipeline=aria_pipeline)
    second = await ha_ws.run_pipeline(
        start_stage="intent", end_stage="intent", input={"text": "What is my name?"}, pipeline=aria_pipeline,
        conversation_id=first.conversation_id,
    )
    assert second.speech
    async with aria.http.get("/conversations", params={"limit": "5"}) as response:
        assert response.status == 200
        latest = (await response.json())["conversations"][0]
    async with aria.http.get(f"/conversations/{latest['id']}") as response:
        turns = (await response.json())["turns"]
    said = [turn["user_text"] for turn in turns]
    assert said[-2:] == ["My name is Bob.", "What is my name?"], turns
    if home_assistant.at_least("2025.7"):
        assert latest["id"] == first.conversation_id == second.conversation_id, (latest, first.conversation_id)
    else:
        assert latest["id"] != first.conversation_id, "2025.4.4's Wyoming client sent its conversation id"


async def test_a_timer_through_home_assistant_is_refused_honestly(ha_ws: HomeAssistantWs, aria_pipeline: str) -> None:
    """Aria's timers ring on its own satellites; through Home Assistant one would ring nowhere, so
    Aria must not say "Timer set"."""
    run = await ha_ws.run_pipeline(
        start_stage="intent", end_stage="intent", input={"text": "Set a timer for five minutes."}, pipeline=aria_pipeline
    )
    assert "can't set a timer" in run.speech and "set for" not in run.speech, run.speech
