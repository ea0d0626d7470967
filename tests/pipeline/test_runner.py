"""The turn runner every face uses, on the real models and the real agent (local intents only).

One turn at a time per client (a new one cancels and awaits the old), listening ends when the
pipeline has its transcript, every turn is recorded once (metrics and history), and one
conversation-id policy.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aria_server.events import EventType, PipelineEvent
from aria_server.pipeline.microphone import Microphone
from aria_server.pipeline.runner import RunningTurn, TurnRecorder, TurnRunner, listening_over
from aria_server.pipeline.turn import TurnRequest
from aria_server.services import Services
from aria_server.turn_metrics import TurnMetrics
from aria_wire.audio import PcmFormat
from tests.conftest import normalise, read_wav

TIMEOUT = 60


def make_runner(services: Services, face: str = "test") -> tuple[TurnRunner, TurnMetrics, list[dict[str, Any]]]:
    """A runner on the shared pipeline with its own metrics registry, and the records it saw."""
    assert services.agent is not None
    metrics = TurnMetrics()
    seen: list[dict[str, Any]] = []

    async def on_recorded(record: dict[str, Any]) -> None:
        seen.append(record)

    runner = TurnRunner(
        services.pipeline,
        TurnRecorder(metrics, services.agent.store),
        face=face,
        name="test-runner",
        conversations=services.agent.sessions,
        on_recorded=on_recorded,
    )
    return runner, metrics, seen


def turns_counted(metrics: TurnMetrics, outcome: str) -> float | None:
    """How many ``test`` turns with ``outcome`` the registry counted."""
    return metrics.registry.get_sample_value("aria_turns_total", {"face": "test", "outcome": outcome})


async def test_a_typed_turn_is_translated_recorded_once_and_its_spans_stored(services: Services) -> None:
    runner, metrics, seen = make_runner(services)
    conversation_id = await runner.conversation_id("runner-typed")
    types: list[EventType] = []

    async def body(turn: RunningTurn) -> str:
        async def translate(event: PipelineEvent) -> None:
            types.append(event.type)

        await turn.run_pipeline(TurnRequest(conversation_id, text="What time is it?", speak=False), translate)
        return "answered"

    turn = await runner.start(body, info={"conversation_id": conversation_id})
    assert await asyncio.wait_for(turn.task, TIMEOUT) == "answered"
    assert types[0] is EventType.TURN_START and types[-1] is EventType.TURN_END
    assert EventType.TTS_CHUNK not in types, "speak=False: text only"
    (record,) = seen
    assert record["outcome"] == "done" and record["face"] == "test" and record["reply"].startswith("It's")
    assert turns_counted(metrics, "done") == 1
    assert services.agent is not None
    (stored,) = await services.agent.store.recent_turns(conversation_id)
    assert stored.spans is not None and stored.spans["pipeline"]["turn_id"] == record["turn_id"]
    assert runner.current is None


async def test_a_new_turn_cancels_the_one_in_flight_and_waits_for_it(services: Services) -> None:
    runner, metrics, seen = make_runner(services)
    cleaned_up = asyncio.Event()
    started = asyncio.Event()

    async def endless(turn: RunningTurn) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cleaned_up.set()

    first = await runner.start(endless, info={"trigger": "first"})
    await asyncio.wait_for(started.wait(), TIMEOUT)

    async def quick(turn: RunningTurn) -> str:
        return "second"

    second = await runner.start(quick, reason="barge-in")
    assert first.task.cancelled() and cleaned_up.is_set(), "the old turn is gone before the new one starts"
    assert await asyncio.wait_for(second.task, TIMEOUT) == "second"
    assert seen[0]["trigger"] == "first" and seen[0]["ended_by"] == "barge-in" and seen[0]["outcome"] == "cancelled"
    assert turns_counted(metrics, "cancelled") == 1


async def test_listening_ends_with_the_transcript_and_later_audio_is_dropped(services: Services) -> None:
    runner, _, seen = make_runner(services)
    pcm, rate, width, channels = read_wav("what_time_is_it_44k_stereo")
    fmt = PcmFormat(rate, width, channels)
    step = rate * 32 // 1000 * width * channels
    audio = pcm + bytes(rate * 2 * width * channels)
    microphone = Microphone(fmt=fmt)
    transcripts: list[str] = []

    async def body(turn: RunningTurn) -> None:
        async def translate(event: PipelineEvent) -> None:
            if event.type is EventType.STT_END:
                transcripts.append(event.data["text"])
                assert runner.listening() is None, "no more audio once the transcript is known"

        request = TurnRequest("runner-spoken", audio=microphone, audio_format=fmt, speak=False)
        await turn.run_pipeline(request, translate)

    turn = await runner.start(body, microphone=microphone)
    for offset in range(0, len(audio), step):
        await microphone.put(audio[offset : offset + step])  # the bounded queue paces this loop
    await asyncio.wait_for(turn.task, TIMEOUT)
    assert normalise(transcripts[0]) == "what time is it"
    assert microphone.detached and seen[0]["outcome"] == "done"


async def test_nobody_speaking_ends_the_turn_after_no_speech_s(services: Services) -> None:
    runner, _, seen = make_runner(services)
    fmt = PcmFormat(16_000, 2, 1)
    microphone = Microphone(fmt=fmt)

    async def body(turn: RunningTurn) -> None:
        async def ignore(event: PipelineEvent) -> None:
            return None

        request = TurnRequest("runner-silent", audio=microphone, audio_format=fmt)
        await turn.run_pipeline(request, ignore, no_speech_s=0.3)

    turn = await runner.start(body, microphone=microphone)
    while not microphone.closed:  # a microphone in a quiet room keeps sending silence
        await microphone.put(bytes(1024))
        await asyncio.sleep(0.01)
    await asyncio.wait_for(turn.task, TIMEOUT)
    assert seen[0]["outcome"] == "no-speech"


async def test_one_conversation_policy_explicit_id_else_the_clients_own(services: Services) -> None:
    runner, _, _ = make_runner(services)
    assert await runner.conversation_id("kitchen", "from-the-client") == "from-the-client"
    first = await runner.conversation_id("kitchen")
    assert await runner.conversation_id("kitchen") == first, "the same within the idle window"
    assert await runner.conversation_id("hall") != first, "each client key has its own"
    fresh = runner.new_conversation("kitchen")
    assert fresh != first and await runner.conversation_id("kitchen") == fresh


def test_listening_is_over_after_the_end_of_speech_only_when_the_turn_ends_on_silence() -> None:
    def event(type_: EventType) -> PipelineEvent:
        return PipelineEvent(type_, "t", {})

    on_silence = TurnRequest("c", text="x", end_on_silence=True)
    push_to_talk = TurnRequest("c", text="x", end_on_silence=False)
    assert listening_over(event(EventType.VAD_END), on_silence)
    assert not listening_over(event(EventType.VAD_END), push_to_talk)
    for type_ in (EventType.STT_END, EventType.ERROR, EventType.TURN_END):
        assert listening_over(event(type_), push_to_talk)
    assert not listening_over(event(EventType.VAD_START), on_silence)


async def test_without_an_agent_a_turn_cannot_run_the_pipeline() -> None:
    runner = TurnRunner(None, TurnRecorder(TurnMetrics(), None), face="test", name="no-agent")

    async def body(turn: RunningTurn) -> bool:
        assert not turn.has_pipeline
        try:
            await turn.run_pipeline(TurnRequest("c", text="hi"), lambda event: asyncio.sleep(0))
        except Exception as err:  # noqa: BLE001 - the code is what the test checks
            return getattr(err, "code", None) == "no-agent"
        return False

    turn = await runner.start(body)
    assert await asyncio.wait_for(turn.task, TIMEOUT)
