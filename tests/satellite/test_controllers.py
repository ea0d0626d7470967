"""One microphone, two controllers: who gets a turn, and what the other one may do meanwhile.

The satellite and the two faces are fakes here on purpose: the rules are pure bookkeeping, and
the real satellite is driven through both faces in tests/satellite/esphome.
"""

from __future__ import annotations

import pytest
from wyoming.asr import Transcribe
from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.wake import Detection

from aria_satellite.controllers import Controller, Controllers, TurnRouter
from aria_satellite.state import State
from aria_wire.extensions import SATELLITE_STATUS

W, E = Controller.WYOMING, Controller.ESPHOME
BOTH = frozenset({W, E})


@pytest.mark.parametrize(
    ("words", "esphome_words", "word", "running", "owner"),
    [
        (("okay_nabu",), None, "okay_nabu", BOTH, W),  # one word, both: Aria's server's
        (("okay_nabu", "hey_jarvis"), None, "hey_jarvis", BOTH, E),  # the second word is Home Assistant's
        (("okay_nabu", "hey_jarvis"), None, "okay_nabu", frozenset({E}), E),  # alone, HA gets every word
        (("okay_nabu", "hey_jarvis"), None, "hey_jarvis", frozenset({W}), W),
        (("okay_nabu", "hey_jarvis"), {"okay_nabu"}, "okay_nabu", BOTH, E),  # HA chose: its word
        (("okay_nabu", "hey_jarvis"), {"okay_nabu"}, "hey_jarvis", BOTH, W),
        (("okay_nabu", "hey_jarvis"), {"okay_nabu"}, "hey_jarvis", frozenset({E}), None),  # HA switched it off
        (("okay_nabu",), {"okay_nabu"}, "okay_nabu", frozenset({W}), W),  # HA away: Aria's server takes it
        ((), None, None, BOTH, W),  # speech: Aria's server first
        ((), None, None, frozenset({E}), E),
        ((), None, None, frozenset(), None),
    ],
)
def test_the_routing_table(words, esphome_words, word, running, owner) -> None:  # type: ignore[no-untyped-def]
    router = TurnRouter(words, frozenset(esphome_words) if esphome_words is not None else None)
    assert router.route(word, running) is owner


class FakeSatellite:
    """Records what reaches the satellite; its state is set by the test."""

    def __init__(self) -> None:
        self.state = State.WAITING
        self.events: list[str] = []
        self.lost = 0

    async def on_server_event(self, event: Event) -> None:
        self.events.append(event.type)

    async def on_server_lost(self) -> None:
        self.lost += 1


class FakeLink:
    def __init__(self, running: bool = True) -> None:
        self.running = running
        self.sent: list[str] = []

    async def send(self, event: Event) -> bool:
        self.sent.append(event.type)
        return True


def build(words: tuple[str, ...] = ("okay_nabu", "hey_jarvis")) -> tuple[Controllers, FakeSatellite, FakeLink, FakeLink]:
    controllers = Controllers(TurnRouter(words))
    satellite, wyoming, esphome = FakeSatellite(), FakeLink(), FakeLink()
    controllers.attach(satellite, {W: wyoming, E: esphome})
    return controllers, satellite, wyoming, esphome


async def start_turn(controllers: Controllers, word: str | None) -> None:
    if word is not None:
        await controllers.send(Detection(name=word).event())
    await controllers.send(RunPipeline(start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS).event())
    await controllers.send(AudioChunk(rate=16_000, width=2, channels=1, audio=b"\0\0").event())


async def test_a_turn_and_its_audio_go_to_its_owner_only() -> None:
    controllers, satellite, wyoming, esphome = build()
    await start_turn(controllers, "hey_jarvis")
    assert esphome.sent == ["detection", "run-pipeline", "audio-chunk"] and wyoming.sent == []
    await controllers.send(Event(type=SATELLITE_STATUS, data={}))
    assert wyoming.sent == [SATELLITE_STATUS]  # Aria's own event goes to Aria's server whoever owns the turn


async def test_a_turn_nobody_takes_is_refused_and_its_audio_dropped() -> None:
    controllers, satellite, wyoming, esphome = build()
    esphome.running = False
    controllers.set_esphome_words(["hey_jarvis"])
    wyoming.running = False
    await start_turn(controllers, "okay_nabu")
    assert satellite.events == ["error"] and wyoming.sent == esphome.sent == []
    assert controllers.refused == 1


async def test_the_other_controller_cannot_touch_a_turn_in_progress() -> None:
    controllers, satellite, wyoming, esphome = build()
    await start_turn(controllers, "hey_jarvis")  # Home Assistant's turn
    satellite.state = State.STREAMING
    await controllers.from_controller(W, AudioStart(rate=22_050, width=2, channels=1).event())  # an Aria announcement
    await controllers.from_controller(W, Transcribe().event())
    assert satellite.events == []
    assert not controllers.claim_playback(W)
    await controllers.from_controller(E, Event(type="transcript", data={"text": "hi"}))
    assert satellite.events == ["transcript"]


async def test_an_announcement_takes_the_speaker_when_nothing_is_in_progress() -> None:
    controllers, satellite, wyoming, esphome = build()
    await controllers.from_controller(W, AudioStart(rate=22_050, width=2, channels=1).event())
    assert controllers.owner is W and satellite.events == ["audio-start"]
    satellite.state = State.SPEAKING
    assert not controllers.claim_playback(E)  # Home Assistant's announcement waits for nobody: refused
    satellite.state = State.WAITING
    assert controllers.claim_playback(E) and controllers.owner is E


async def test_a_follow_up_belongs_to_the_controller_that_asked_for_it() -> None:
    controllers, satellite, wyoming, esphome = build()
    await controllers.from_controller(E, Transcribe().event())
    await start_turn(controllers, None)  # started without a wake word
    assert esphome.sent == ["run-pipeline", "audio-chunk"] and wyoming.sent == []


async def test_pausing_aria_leaves_home_assistants_turn_alone() -> None:
    controllers, satellite, wyoming, esphome = build()
    await start_turn(controllers, "hey_jarvis")
    satellite.state = State.STREAMING
    wyoming.running = False
    await controllers.from_controller(W, PauseSatellite().event())
    assert satellite.events == [] and satellite.lost == 0


async def test_pausing_aria_during_its_own_turn_keeps_the_satellite_awake_for_home_assistant() -> None:
    controllers, satellite, wyoming, esphome = build()
    await start_turn(controllers, "okay_nabu")
    satellite.state = State.STREAMING
    wyoming.running = False
    await controllers.from_controller(W, PauseSatellite().event())
    assert satellite.events == ["pause-satellite", RunSatellite().event().type]
    await controllers.lost(E)  # then Home Assistant goes too: nobody runs it
    assert satellite.lost == 1
