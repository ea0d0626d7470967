"""Speculative replies in a voice turn, on the real models (Whisper, Silero, Smart Turn, Piper,
the embedded test model), with the microphone's audio fed as fast as the pipeline takes it.

- At a pause that ends the turn, the model starts on the quick transcript; when the final
  transcript is the same request, that generation is the spoken reply (the model ran once).
- Speech after the pause cancels the guess: the reply answers the whole utterance, and nothing of
  the guess reaches the client (no delta, no audio) or the history.
- A turn cancelled while the guess is generating (barge-in, a new turn) stops the generation.

Where a test needs the pause to last until the guess has started, the microphone holds its next
audio until the model produced its first words, as a real pause of that length would: the
behaviour is the same on a fast machine and a slow one.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from aria_server.conversation import Agent
from aria_server.events import EventType, PipelineEvent
from aria_server.pipeline.turn import TurnRequest, VoicePipeline
from aria_server.services import Services
from aria_server.settings import VadSettings
from aria_server.stt.service import SpeechService
from aria_server.turn_taking.turn import TurnTaking
from aria_wire.audio import PcmFormat
from tests.conftest import normalise
from tests.conversation.speculating import CountingModel, counting_agent, reply_text
from tests.satellites.harness import ClipMaker

FORMAT = PcmFormat(16_000, 2, 1)
CHUNK = 512 * 2  # one 32 ms VAD frame of 16-bit audio
WAIT_S = 120.0
"""Bound on waiting for the model's first words (a failure, not a measurement)."""


@pytest.fixture(scope="module")
def voice() -> ClipMaker:
    return ClipMaker(Path(tempfile.mkdtemp()))


def speak(voice: ClipMaker, *parts: str | float) -> bytes:
    """Text is spoken by the bundled Piper voice (without sampling noise); a number is silence, s."""
    pieces = [
        voice.speech(part) if isinstance(part, str) else np.zeros(int(16_000 * part), dtype=np.int16) for part in parts
    ]
    return np.concatenate(pieces).tobytes()


async def microphone(*parts: bytes, hold: asyncio.Event | None = None) -> AsyncIterator[bytes]:
    """The parts in 32 ms chunks; between two parts, wait for ``hold`` (the pause lasts until then)."""
    for index, part in enumerate(parts):
        if index and hold is not None:
            await asyncio.wait_for(hold.wait(), WAIT_S)
        for offset in range(0, len(part), CHUNK):
            yield part[offset : offset + CHUNK]


@pytest.fixture(scope="module")
async def counted(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Agent, CountingModel]]:
    agent, model = await counting_agent(tmp_path_factory.mktemp("speculative-turns"))
    yield agent, model
    await agent.aclose()


@pytest.fixture
def fresh(counted: tuple[Agent, CountingModel]) -> tuple[Agent, CountingModel]:
    agent, model = counted
    model.generations.clear()
    model.started.clear()
    return agent, model


def _stt(services: Services, **vad: int) -> SpeechService:
    """The loaded speech models with other endpointing settings."""
    assert services.stt is not None
    return SpeechService(services.stt.decoder, services.stt.vad, VadSettings(**vad), 60, services.stt.end_of_turn)


def turns(stt: SpeechService | None, agent: Agent) -> TurnTaking:
    """The turn-taking a server builds for this agent over ``stt``'s endpointing settings."""
    assert stt is not None
    return TurnTaking.for_agent(stt.vad_settings, agent)


def _request(conversation_id: str, audio: AsyncIterator[bytes]) -> TurnRequest:
    return TurnRequest(conversation_id=conversation_id, audio=audio, audio_format=FORMAT, language="en", speak=True)


def only(events: Sequence[PipelineEvent], type_: EventType) -> PipelineEvent:
    found = [event for event in events if event.type is type_]
    assert len(found) == 1, [event.type for event in events]
    return found[0]


def spoken_before_the_transcript(events: Sequence[PipelineEvent]) -> list[PipelineEvent]:
    """Reply deltas or audio that reached the client before the final transcript."""
    ends = [index for index, event in enumerate(events) if event.type is EventType.STT_END]
    before = events[: ends[0]] if ends else events
    return [event for event in before if event.type in (EventType.LLM_DELTA, EventType.TTS_CHUNK)]


async def test_a_confirmed_guess_is_the_spoken_reply(
    services: Services, fresh: tuple[Agent, CountingModel], voice: ClipMaker
) -> None:
    agent, model = fresh
    pipeline = VoicePipeline(services.stt, agent, services.tts, turns(services.stt, agent))
    # The quick pass hears this one right ("Romeo" it hears as "Romito", which the final decode
    # corrects: a miss, as it should be).
    audio = microphone(speak(voice, 0.4, "Why is the sky blue?", 1.5))

    events = [event async for event in pipeline.run_turn(_request("spec-turn-hit", audio))]

    assert "sky" in normalise(only(events, EventType.STT_END).data["text"])
    assert only(events, EventType.TURN_END).data["speculation"] == "hit"
    (generation,) = model.generations  # generated once, at the pause
    assert only(events, EventType.LLM_END).data["text"] == generation.text.strip()
    assert spoken_before_the_transcript(events) == []
    assert any(event.type is EventType.TTS_CHUNK for event in events)


async def test_speech_after_the_pause_cancels_the_guess(
    services: Services, fresh: tuple[Agent, CountingModel], voice: ClipMaker
) -> None:
    agent, model = fresh
    # No end-of-turn model here, so that the pause is "not mid-sentence" and nothing more: the
    # guess starts, and the rest of the utterance follows it.
    pipeline = VoicePipeline(stt := _stt(services, complete_turn_end_ms=0), agent, services.tts, turns(stt, agent))
    audio = microphone(
        speak(voice, 0.4, "Tell me about the moon.", 0.3), speak(voice, "And the stars.", 1.5), hold=model.started
    )

    events = [event async for event in pipeline.run_turn(_request("spec-turn-resumed", audio))]

    heard = normalise(only(events, EventType.STT_END).data["text"])
    assert "moon" in heard and "stars" in heard
    assert only(events, EventType.TURN_END).data["speculation"] == "cancelled"
    guess, (answer,) = model.asked("moon"), model.asked("stars")
    assert guess[0] is not answer and not guess[0].request.lower().count("stars")
    assert only(events, EventType.LLM_END).data["text"] == answer.text.strip()  # the whole utterance answered
    assert spoken_before_the_transcript(events) == []
    (turn,) = await agent.store.recent_turns("spec-turn-resumed")  # the guess is not in the history
    assert "stars" in normalise(turn.user_text)


async def test_a_turn_cancelled_during_the_guess_stops_the_generation(
    services: Services, fresh: tuple[Agent, CountingModel], voice: ClipMaker
) -> None:
    agent, model = fresh
    pipeline = VoicePipeline(stt := _stt(services, complete_turn_end_ms=0), agent, services.tts, turns(stt, agent))
    never = asyncio.Event()  # the user is still "pausing" when the turn is cancelled
    audio = microphone(speak(voice, 0.4, "Tell me a long story about a dragon and a knight.", 0.3), b"", hold=never)
    events: list[PipelineEvent] = []

    async def consume() -> None:
        async with contextlib.aclosing(pipeline.run_turn(_request("spec-turn-cancelled", audio))) as stream:
            async for event in stream:
                events.append(event)

    turn = asyncio.create_task(consume())
    await asyncio.wait_for(model.started.wait(), WAIT_S)
    turn.cancel()  # what the turn runner does on barge-in
    await asyncio.gather(turn, return_exceptions=True)

    (guess,) = model.generations
    assert guess.stopped_early and not guess.finished
    assert [event for event in events if event.type in (EventType.LLM_DELTA, EventType.TTS_CHUNK)] == []
    assert await agent.store.recent_turns("spec-turn-cancelled") == []
    # The model is free: the next turn is answered at once by a generation of its own.
    assert await reply_text(agent, "spec-turn-next", "Why is the sky blue?")
    assert model.generations[-1].finished
