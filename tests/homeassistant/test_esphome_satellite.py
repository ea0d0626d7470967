"""Aria's satellite as an ESPHome voice device in a real Home Assistant.

The satellite runs in the tier's namespace with its ESPHome API on, an encryption key set and speech
starting a turn (``--wake-word none``). Its microphone is the test feeder (``tests.satellites.feeder``:
silence, and a WAV file whenever a test says one), so each spoken path speaks when the satellite
listens: "What time is it?" once Home Assistant runs the satellite, an answer after
``ask_question``'s question. It is added as a user would add it: the ESPHome integration's config flow
over Home Assistant's REST API (host, port, then the key the flow asks for). Home Assistant then runs
the satellite with its preferred pipeline, Aria for every stage (``aria_pipeline``). What the
satellite played is appended to a WAV (``--snd-file``); its timing log says when a turn streamed and
when a playback ended, which the tests wait on.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.satellites.harness import Feeder
from tests.waiting import wait_until

from .conftest import CLIPS, ROOT, _environ
from .harness import HomeAssistant, HomeAssistantWs
from .namespace import Namespace
from .processes import LoggedProcess

ESPHOME_PORT = 6053
WYOMING_PORT = 10701
"""The satellite's ports inside the namespace (its Wyoming server is not used here)."""
TIMEOUT_S = 120.0
"""Generous: Home Assistant, Aria and the satellite share two cores with other work."""
KEY = base64.b64encode(bytes(range(1, 33))).decode()
LAMP = ROOT / "tests" / "fixtures" / "audio" / "turn_on_the_lamp.wav"


@dataclass
class EsphomeSatellite:
    """The satellite process, what it played, its timing log and its Home Assistant entry."""

    process: LoggedProcess
    microphone: Feeder
    played: Path
    timing_log: Path
    entry: dict[str, Any]
    entities: list[str]

    def one(self, domain: str) -> str:
        found = [e for e in self.entities if e.startswith(f"{domain}.")]
        assert len(found) == 1, f"expected one {domain} entity from the satellite, got {self.entities}"
        return found[0]

    @property
    def entity(self) -> str:
        return self.one("assist_satellite")

    def events(self) -> list[dict[str, Any]]:
        if not self.timing_log.exists():
            return []
        return [json.loads(line) for line in self.timing_log.read_text().splitlines() if line.strip()]

    async def wait_event(self, event: str, *, after: int = 0, **fields: Any) -> dict[str, Any]:
        """The first timing-log record ``event`` (with these fields) from index ``after``."""

        def found() -> dict[str, Any] | None:
            if self.process.process.returncode is not None:
                raise AssertionError(f"the satellite exited:\n{self.process.tail()}")
            return next(
                (r for r in self.events()[after:] if r["event"] == event and all(r.get(k) == v for k, v in fields.items())),
                None,
            )

        return await wait_until(found, TIMEOUT_S, f"the satellite's {event} {fields or ''}")

    def frames_played(self) -> int:
        if not self.played.exists():
            return 0
        with wave.open(str(self.played), "rb") as wav:
            return wav.getnframes()


async def add_esphome(home_assistant: HomeAssistant, port: int, key: str) -> dict[str, Any]:
    """The ESPHome config flow, as a user runs it: host and port, then the encryption key when the
    device asks for one; the created entry."""
    flow = await home_assistant.post("/api/config/config_entries/flow", {"handler": "esphome", "show_advanced_options": False})
    assert flow["type"] == "form" and flow["step_id"] == "user", flow
    step = await home_assistant.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {"host": "127.0.0.1", "port": port})
    # The satellite has a key: the flow cannot read the device without one and asks for it.
    assert step["type"] == "form" and step["step_id"] == "encryption_key", step
    done = await home_assistant.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {"noise_psk": key})
    assert done["type"] == "create_entry", done
    return done["result"]


async def state_of(home_assistant: HomeAssistant, entity_id: str) -> str:
    return (await home_assistant.get(f"/api/states/{entity_id}"))["state"]


async def pipeline_runs(ws: HomeAssistantWs, pipeline: str) -> list[list[dict[str, Any]]]:
    """The events of each run of ``pipeline`` Home Assistant keeps for debugging, oldest first."""
    runs = (await ws.call("assist_pipeline/pipeline_debug/list", pipeline_id=pipeline))["pipeline_runs"]
    return [
        (await ws.call("assist_pipeline/pipeline_debug/get", pipeline_id=pipeline, pipeline_run_id=run["pipeline_run_id"]))["events"]
        for run in runs
    ]


async def wait_state(home_assistant: HomeAssistant, entity_id: str, state: str) -> None:
    async def reached() -> bool:
        return await state_of(home_assistant, entity_id) == state

    await wait_until(reached, TIMEOUT_S, f"{entity_id} {state}")


@pytest.fixture(scope="module")
async def esphome_satellite(
    namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str
) -> AsyncIterator[EsphomeSatellite]:
    """``python -m aria_satellite`` with its ESPHome API (a key from an owner-only file), added
    through the ESPHome config flow; Home Assistant runs it with the preferred (Aria) pipeline."""
    played = ha_workdir / "esphome-satellite-played.wav"
    microphone = Feeder(ha_workdir, "esphome-satellite")
    timing_log = ha_workdir / "esphome-satellite-timing.jsonl"
    key_file = ha_workdir / "esphome.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    process = await LoggedProcess.start(
        "aria-satellite (esphome)",
        [
            *namespace.prefix(), sys.executable, "-m", "aria_satellite", "--name", "hall-satellite", "--area", "Hallway",
            "--host", "127.0.0.1", "--port", str(WYOMING_PORT), "--no-zeroconf", "--wake-word", "none",
            "--esphome-port", str(ESPHOME_PORT), "--esphome-key-file", str(key_file),
            "--data-dir", str(ha_workdir / "esphome-satellite-data"),
            "--mic-command", microphone.command, "--snd-file", str(played), "--no-chimes",
            "--timing-log", str(timing_log),
        ],
        cwd=str(ROOT), env=_environ(),
    )
    try:
        await process.wait_for_line(r"ESPHome API on tcp://", TIMEOUT_S)
        entry = await add_esphome(home_assistant, ESPHOME_PORT, KEY)

        async def entities() -> list[str] | None:
            found = await home_assistant.entities_of(ha_ws, entry["entry_id"])
            wanted = ("assist_satellite.", "media_player.")
            return found if all(any(e.startswith(w) for e in found) for w in wanted) else None

        satellite = EsphomeSatellite(
            process, microphone, played, timing_log, entry, await wait_until(entities, TIMEOUT_S, "the satellite's entities")
        )
        # Home Assistant subscribed to the voice assistant (it runs the satellite): the question.
        await satellite.wait_event("state", state="waiting", reason="run-satellite")
        microphone.say(CLIPS / "what_time_is_it.wav")
        yield satellite
    finally:
        await process.stop()


async def test_the_config_flow_adds_the_satellite_with_its_voice_entities(
    home_assistant: HomeAssistant, esphome_satellite: EsphomeSatellite
) -> None:
    assert esphome_satellite.entry["domain"] == "esphome"
    assert esphome_satellite.entity.startswith("assist_satellite.")
    assert esphome_satellite.one("media_player")
    assert [e for e in esphome_satellite.entities if e.startswith("select.")], esphome_satellite.entities
    # The key set on the satellite is the one Home Assistant keeps.
    entries = await home_assistant.get("/api/config/config_entries/entry")
    assert any(e["entry_id"] == esphome_satellite.entry["entry_id"] and e["state"] == "loaded" for e in entries), entries


async def test_a_spoken_request_runs_home_assistants_pipeline_and_the_reply_plays(
    home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str, esphome_satellite: EsphomeSatellite
) -> None:
    # "What time is it?" once Home Assistant runs the satellite; speech starts the turn.
    await esphome_satellite.wait_event("streaming-started")
    played = await esphome_satellite.wait_event("played")
    assert played["completed"] is True, played
    assert esphome_satellite.frames_played() > 0
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    # The run went through Aria's pipeline: Aria heard the question, and its agent answered.
    (run,) = [r for r in await pipeline_runs(ha_ws, aria_pipeline) if any(e["type"] == "stt-end" for e in r)]
    types = [e["type"] for e in run]
    assert "time" in run[types.index("stt-end")]["data"]["stt_output"]["text"].lower(), run
    assert run[types.index("intent-end")]["data"]["intent_output"]["response"]["speech"]["plain"]["speech"], run
    assert "tts-end" in types and "error" not in types, types


async def test_an_announcement_plays_on_the_satellite_and_it_is_idle_again(
    home_assistant: HomeAssistant, esphome_satellite: EsphomeSatellite
) -> None:
    await esphome_satellite.wait_event("played")  # the spoken turn is over
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    before_frames, after = esphome_satellite.frames_played(), len(esphome_satellite.events())
    await home_assistant.post(
        "/api/services/assist_satellite/announce", {"entity_id": esphome_satellite.entity, "message": "Dinner is ready."}
    )
    played = await esphome_satellite.wait_event("played", after=after)
    assert played["completed"] is True, played
    assert esphome_satellite.frames_played() > before_frames
    await wait_state(home_assistant, esphome_satellite.entity, "idle")


async def test_start_conversation_speaks_then_listens_and_a_silent_answer_fails_back_to_idle(
    home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str, esphome_satellite: EsphomeSatellite
) -> None:
    """The start message plays, then the satellite listens without a wake word; nobody answers,
    so Home Assistant's run fails on no speech, and the entity is idle again."""
    await esphome_satellite.wait_event("played")
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    before_frames, after = esphome_satellite.frames_played(), len(esphome_satellite.events())
    await home_assistant.post(
        "/api/services/assist_satellite/start_conversation",
        {"entity_id": esphome_satellite.entity, "start_message": "Anything else?"},
    )
    played = await esphome_satellite.wait_event("played", after=after)
    assert played["completed"] is True, played
    assert esphome_satellite.frames_played() > before_frames
    await esphome_satellite.wait_event("streaming-started", after=after, reason="follow-up")
    await esphome_satellite.wait_event("streaming-stopped", after=after)
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    last = (await pipeline_runs(ha_ws, aria_pipeline))[-1]
    errors = [e["data"]["code"] for e in last if e["type"] == "error"]
    assert errors == ["stt-no-text-recognized"], last


async def test_play_media_plays_on_the_satellites_media_player(
    home_assistant: HomeAssistant, aria_entry: Any, esphome_satellite: EsphomeSatellite
) -> None:
    """A media-source URL (Aria's TTS as media) played on the media player: Home Assistant
    converts it to the WAV the satellite lists, the satellite plays it, and the player is idle again."""
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    player = esphome_satellite.one("media_player")
    await wait_state(home_assistant, player, "idle")
    before_frames = esphome_satellite.frames_played()
    await home_assistant.post(
        "/api/services/media_player/play_media",
        {
            "entity_id": player, "media_content_type": "music",
            "media_content_id": f"media-source://tts/{aria_entry.tts}?message=Here+is+some+music.",
        },
    )
    await wait_until(lambda: esphome_satellite.frames_played() > before_frames, TIMEOUT_S, "the media on the speaker")
    await wait_state(home_assistant, player, "idle")
    await wait_state(home_assistant, esphome_satellite.entity, "idle")


async def test_a_timer_set_through_home_assistants_agent_rings_on_the_satellite(
    home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, ha_agent_pipeline: str, esphome_satellite: EsphomeSatellite
) -> None:
    """Home Assistant's own agent sets the timer on the device that heard the request (the
    satellite's device); when it finishes, Home Assistant tells the satellite, which rings."""
    device_id = await home_assistant.device_of(ha_ws, esphome_satellite.entity)
    after = len(esphome_satellite.events())
    started = await ha_ws.run_pipeline(
        start_stage="intent", end_stage="intent", input={"text": "set a timer for 3 seconds"},
        pipeline=ha_agent_pipeline, device_id=device_id,
    )
    assert started.first("intent-end")["intent_output"]["response"]["response_type"] == "action_done", started.events
    await esphome_satellite.wait_event("timer-ring", after=after)
    await wait_state(home_assistant, esphome_satellite.entity, "idle")


async def test_ask_question_returns_the_answer_heard_on_the_satellite(
    home_assistant: HomeAssistant, esphome_satellite: EsphomeSatellite
) -> None:
    """Home Assistant asks, the satellite listens, "Turn on the lamp" is said, and Home Assistant
    matches what Aria's speech-to-text heard against the answers' sentences, a wildcard slot
    included (2025.7 and later)."""
    if not home_assistant.at_least("2025.7"):
        pytest.skip(f"assist_satellite.ask_question came in Home Assistant 2025.7 ({home_assistant.release})")
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    after = len(esphome_satellite.events())
    asked = asyncio.create_task(home_assistant.post(
        "/api/services/assist_satellite/ask_question?return_response",
        {
            "entity_id": esphome_satellite.entity, "question": "What should I do?",
            "answers": [
                {"id": "time", "sentences": ["what time is it"]},
                {"id": "turn_on", "sentences": ["turn on [the] {device}"]},
            ],
        },
    ))
    try:
        await esphome_satellite.wait_event("played", after=after, completed=True)  # the question
        await esphome_satellite.wait_event("streaming-started", after=after, reason="follow-up")
        esphome_satellite.microphone.say(LAMP)
        async with asyncio.timeout(TIMEOUT_S):
            response = await asked
    finally:
        asked.cancel()
    answer = response["service_response"]
    answer = answer.get(esphome_satellite.entity, answer)
    assert answer["id"] == "turn_on", response
    assert "lamp" in str(answer["slots"]["device"]).lower(), response
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
