"""Turn spans from an ordered event stream (as a face sees it) plus the face's own marks."""

from __future__ import annotations

import pytest

from aria_server.events import EventType, PipelineEvent
from aria_server.pipeline.metrics import TurnSpans

MS = 1_000_000


def event(type_: EventType, t_ms: int, **data: object) -> PipelineEvent:
    return PipelineEvent(type_, "t1", data, t_ms * MS)


def test_marks_from_events_and_since_end_of_speech() -> None:
    spans = TurnSpans(info={"satellite": "kitchen"})
    for item in [
        event(EventType.TURN_START, 0, conversation_id="c"),
        event(EventType.VAD_START, 300),
        event(EventType.VAD_END, 1900),
        event(EventType.STT_END, 2100, text="what time is it", timings_ms={"decode": 400.0}, speculative=True),
        event(EventType.LLM_DELTA, 2110, text="It's"),
        event(EventType.LLM_DELTA, 2115, text=" 3 pm."),
        event(EventType.LLM_END, 2120, text="It's 3 pm."),
        event(EventType.TTS_CHUNK, 2300, text="It's 3 pm.", clause_t_ns=2125 * MS),
        event(EventType.TTS_CHUNK, 2600, text="More."),
        event(EventType.TTS_END, 2610),
        event(EventType.TURN_END, 2620, outcome="done"),
    ]:
        spans.observe(item)
    spans.mark("first_audio_out", 2310 * MS)
    spans.mark("playback_start", 2350 * MS)
    spans.mark("playback_start", 9999 * MS)  # the first value wins
    data = spans.as_dict()
    assert data["turn_id"] == "t1"
    assert data["since_vad_end_ms"] == {
        "vad_end": 0.0, "stt_done": 200.0, "first_token": 210.0, "first_clause": 225.0,
        "first_audio_out": 410.0, "playback_start": 450.0, "turn_end": 720.0,
    }
    assert data["since_start_ms"]["vad_start"] == 300.0
    assert data["transcript"] == "what time is it" and data["reply"] == "It's 3 pm."
    assert data["outcome"] == "done" and data["satellite"] == "kitchen"
    assert data["stt"] == {"decode": 400.0, "speculative": True, "first_pass": False, "at_pause": False}


def test_unknown_stage_is_refused_and_missing_spans_are_none() -> None:
    spans = TurnSpans()
    with pytest.raises(ValueError):
        spans.mark("teleport")
    spans.mark("turn_start", 0)
    assert spans.ms("stt_done") is None
    assert spans.as_dict()["since_vad_end_ms"] == {}


def test_a_turn_says_whether_its_reply_was_started_at_the_pause() -> None:
    spans = TurnSpans()
    spans.observe(event(EventType.TURN_START, 0))
    spans.observe(event(EventType.TURN_END, 900, outcome="done", speculation="hit"))
    assert spans.as_dict()["speculation"] == "hit"
    plain = TurnSpans()
    plain.observe(event(EventType.TURN_END, 900, outcome="done"))
    assert "speculation" not in plain.as_dict()
