"""Wyoming ``handle`` over a real socket: transcript in; handled-start, handled-chunk...,
handled-stop and handled (or not-handled) out, with the conversation id in the context."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.info import Describe, Info

from aria_server.app import create_wyoming_server
from aria_server.config import validate_tree
from aria_server.conversation import Agent
from aria_server.services import Services
from aria_server.wyoming.server import WyomingServer


@pytest.fixture(scope="module")
def handle_services(embedded_agent: Agent) -> Services:
    """Services whose only stage is the conversation agent (no STT/TTS to load)."""
    return Services(stt=None, tts=None, agent=embedded_agent)


@pytest.fixture(scope="module")
async def server(handle_services: Services, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WyomingServer]:
    """A Wyoming server on ``handle_services``."""
    settings = validate_tree({"data_dir": str(tmp_path_factory.mktemp("handle")), "wyoming": {"port": 0}})
    wyoming = create_wyoming_server(settings, handle_services)
    await wyoming.start()
    yield wyoming
    await wyoming.stop()


async def exchange(client: AsyncTcpClient, transcript: Transcript) -> list[Event]:
    """Send a transcript; every event until handled / not-handled."""
    await client.write_event(transcript.event())
    events = []
    while True:
        event = await client.read_event()
        assert event is not None, "the server closed the connection"
        events.append(event)
        if Handled.is_type(event.type) or NotHandled.is_type(event.type):
            return events


def client(server: WyomingServer) -> AsyncTcpClient:
    return AsyncTcpClient("127.0.0.1", server.port, read_timeout=60)


async def test_describe_lists_a_streaming_handle_program(server: WyomingServer) -> None:
    async with client(server) as wyoming:
        await wyoming.write_event(Describe().event())
        event = await wyoming.read_event()
    assert event is not None and Info.is_type(event.type)
    (program,) = Info.from_event(event).handle
    assert program.supports_handled_streaming and program.installed
    assert program.supports_home_control is False  # no --ha-url: Aria cannot act on the home
    assert program.models[0].languages == ["en"] and program.models[0].name.startswith("embedded/")


async def test_a_local_intent_is_streamed_and_handled(server: WyomingServer) -> None:
    async with client(server) as wyoming:
        events = await exchange(wyoming, Transcript(text="What time is it?", language="en"))
    types = [event.type for event in events]
    assert types[0] == "handled-start" and types[-2:] == ["handled-stop", "handled"]
    assert set(types[1:-2]) == {"handled-chunk"}
    chunks = "".join(HandledChunk.from_event(e).text for e in events[1:-2])
    handled = Handled.from_event(events[-1])
    started = HandledStart.from_event(events[0])
    assert handled.text == chunks and handled.text.startswith("It's ")
    assert handled.context and started.context
    assert handled.context["conversation_id"] == started.context["conversation_id"]


async def test_the_conversation_id_in_the_context_carries_a_follow_up(
    server: WyomingServer, embedded_agent: Agent
) -> None:
    context = {"conversation_id": "ha-conversation-1", "device_id": "kitchen"}
    async with client(server) as wyoming:  # Home Assistant opens a connection per request
        first = await exchange(wyoming, Transcript(text="What is the capital of France?", language="en", context=context))
    async with client(server) as wyoming:
        second = await exchange(wyoming, Transcript(text="And of Italy?", language="en", context=context))
    for events in (first, second):
        handled = Handled.from_event(events[-1])
        assert handled.text and handled.context == context  # the client's context comes back whole
        assert HandledStop.is_type(events[-2].type)
    turns = await embedded_agent.store.recent_turns("ha-conversation-1")
    assert [t.user_text for t in turns] == ["What is the capital of France?", "And of Italy?"]


async def test_without_an_id_a_clients_connections_continue_one_conversation(server: WyomingServer) -> None:
    """Home Assistant 2025.4 (wyoming 1.5.4) drops the context and opens a new port per request:
    a follow-up within the idle window must still reach the same conversation."""

    async def conversation_id(text: str, context: dict[str, str] | None = None) -> str:
        async with client(server) as wyoming:
            events = await exchange(wyoming, Transcript(text=text, language="en", context=context))
        handled = Handled.from_event(events[-1]).context
        assert handled is not None
        return str(handled["conversation_id"])

    first = await conversation_id("Hello")
    again = await conversation_id("Thank you")
    assert first == again
    # Two satellites behind one host (named in the context) keep their own conversations.
    kitchen = await conversation_id("Hello", {"satellite_id": "kitchen"})
    bedroom = await conversation_id("Hello", {"satellite_id": "bedroom"})
    assert len({first, kitchen, bedroom}) == 3
    assert await conversation_id("Thank you", {"satellite_id": "kitchen"}) == kitchen


async def test_a_timer_asked_for_over_handle_is_refused_not_set_silently(
    server: WyomingServer, embedded_agent: Agent
) -> None:
    """Aria's timer events reach its own satellites, not a Wyoming handle client: saying "Timer
    set" there would be a timer that rings nowhere."""
    async with client(server) as wyoming:
        events = await exchange(wyoming, Transcript(text="Set a timer for five minutes.", language="en"))
    answer = Handled.from_event(events[-1]).text or ""
    assert "can't set a timer" in answer and "set for" not in answer
    assert not [t for t in embedded_agent.timers.active() if (t.session or "").startswith("wyoming ")]


async def test_an_unsupported_language_is_not_handled(server: WyomingServer) -> None:
    async with client(server) as wyoming:
        events = await exchange(wyoming, Transcript(text="Wie spät ist es?", language="de"))
    assert [event.type for event in events] == ["not-handled"]
    assert "de" in (NotHandled.from_event(events[0]).text or "")


async def test_a_handled_transcript_is_a_turn_of_the_runner_counted_and_stored_with_its_spans(
    server: WyomingServer, handle_services: Services, embedded_agent: Agent
) -> None:
    context = {"conversation_id": "ha-runner-1"}
    async with client(server) as wyoming:
        events = await exchange(wyoming, Transcript(text="What time is it?", language="en", context=context))
    assert Handled.is_type(events[-1].type)
    registry = handle_services.metrics.registry
    assert (registry.get_sample_value("aria_turns_total", {"face": "wyoming", "outcome": "done"}) or 0) >= 1
    (turn,) = await embedded_agent.store.recent_turns("ha-runner-1")
    assert turn.spans is not None and turn.spans["pipeline"]["face"] == "wyoming"
    assert turn.spans["pipeline"]["reply"] == Handled.from_event(events[-1]).text
