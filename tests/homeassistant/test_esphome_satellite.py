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
DEN_ESPHOME_PORT = 6054
DEN_WYOMING_PORT = 10702
"""The satellites' ports inside the namespace (their Wyoming servers are not used here)."""
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
    runs_before: list[str]
    """The preferred pipeline's runs before Home Assistant ran the satellite."""

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


async def add_esphome(home_assistant: HomeAssistant, port: int, key: str | None) -> dict[str, Any]:
    """The ESPHome config flow, as a user runs it: host and port, then the encryption key when the
    device asks for one; the created entry."""
    flow = await home_assistant.post("/api/config/config_entries/flow", {"handler": "esphome", "show_advanced_options": False})
    assert flow["type"] == "form" and flow["step_id"] == "user", flow
    done = await home_assistant.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {"host": "127.0.0.1", "port": port})
    if key is not None:
        # The satellite has a key: the flow cannot read the device without one and asks for it.
        assert done["type"] == "form" and done["step_id"] == "encryption_key", done
        done = await home_assistant.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {"noise_psk": key})
    assert done["type"] == "create_entry", done
    return done["result"]


async def state_of(home_assistant: HomeAssistant, entity_id: str) -> str:
    return (await home_assistant.get(f"/api/states/{entity_id}"))["state"]


async def run_ids(ws: HomeAssistantWs, pipeline: str) -> list[str]:
    """The runs of ``pipeline`` Home Assistant keeps for debugging (its last 10), oldest first."""
    runs = (await ws.call("assist_pipeline/pipeline_debug/list", pipeline_id=pipeline))["pipeline_runs"]
    return [run["pipeline_run_id"] for run in runs]


async def new_runs(ws: HomeAssistantWs, pipeline: str, before: list[str]) -> list[list[dict[str, Any]]]:
    """The events of each run of ``pipeline`` since ``before`` (``run_ids``), oldest first: the
    tier's other tests run the same pipelines on the same Home Assistant."""
    return [
        (await ws.call("assist_pipeline/pipeline_debug/get", pipeline_id=pipeline, pipeline_run_id=run_id))["events"]
        for run_id in await run_ids(ws, pipeline) if run_id not in before
    ]


async def remove(home_assistant: HomeAssistant, satellite: EsphomeSatellite) -> None:
    """The satellite stopped and its entry deleted: the tier's later tests see the home without it
    (Home Assistant exposes a new media player to Assist, and would keep reconnecting to it)."""
    await satellite.process.stop()
    async with home_assistant.http.delete(
        f"/api/config/config_entries/entry/{satellite.entry['entry_id']}",
        headers={"Authorization": f"Bearer {home_assistant.token}"},
    ) as response:
        assert response.status == 200, await response.text()


async def select(home_assistant: HomeAssistant, entity_id: str, option: str) -> None:
    await home_assistant.post("/api/services/select/select_option", {"entity_id": entity_id, "option": option})


async def wait_state(home_assistant: HomeAssistant, entity_id: str, state: str) -> None:
    async def reached() -> bool:
        return await state_of(home_assistant, entity_id) == state

    await wait_until(reached, TIMEOUT_S, f"{entity_id} {state}")


async def start_satellite(
    namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, pipeline: str,
    name: str, esphome_port: int, wyoming_port: int, *options: str, key: str | None = None,
) -> EsphomeSatellite:
    """``python -m aria_satellite`` with its ESPHome API (and a key from an owner-only file when
    given), the feeder as its microphone, added through the ESPHome config flow; returned once
    Home Assistant runs it (subscribed to its voice assistant)."""
    played = ha_workdir / f"{name}-played.wav"
    microphone = Feeder(ha_workdir, name)
    timing_log = ha_workdir / f"{name}-timing.jsonl"
    key_options: list[str] = []
    if key is not None:
        key_file = ha_workdir / f"{name}.key"
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        key_options = ["--esphome-key-file", str(key_file)]
    process = await LoggedProcess.start(
        f"aria-satellite {name} (esphome)",
        [
            *namespace.prefix(), sys.executable, "-m", "aria_satellite", "--name", name,
            "--host", "127.0.0.1", "--port", str(wyoming_port), "--no-zeroconf",
            "--esphome-port", str(esphome_port), *key_options, "--data-dir", str(ha_workdir / f"{name}-data"),
            "--mic-command", microphone.command, "--snd-file", str(played), "--no-chimes",
            "--timing-log", str(timing_log), *options,
        ],
        cwd=str(ROOT), env=_environ(),
    )
    try:
        await process.wait_for_line(r"ESPHome API on tcp://", TIMEOUT_S)
        runs_before = await run_ids(ha_ws, pipeline)
        entry = await add_esphome(home_assistant, esphome_port, key)

        async def entities() -> list[str] | None:
            found = await home_assistant.entities_of(ha_ws, entry["entry_id"])
            wanted = ("assist_satellite.", "media_player.")
            return found if all(any(e.startswith(w) for e in found) for w in wanted) else None

        satellite = EsphomeSatellite(
            process, microphone, played, timing_log, entry, await wait_until(entities, TIMEOUT_S, f"{name}'s entities"),
            runs_before,
        )
        # Home Assistant subscribed to the voice assistant: it runs the satellite.
        await satellite.wait_event("state", state="waiting", reason="run-satellite")
    except BaseException:
        await process.stop()
        raise
    return satellite


@pytest.fixture(scope="module")
async def esphome_satellite(
    namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str
) -> AsyncIterator[EsphomeSatellite]:
    """The hall satellite: an encryption key, speech starts a turn; Home Assistant runs it with the
    preferred (Aria) pipeline, and "What time is it?" is said once it does."""
    satellite = await start_satellite(
        namespace, ha_workdir, home_assistant, ha_ws, aria_pipeline, "hall-satellite", ESPHOME_PORT, WYOMING_PORT,
        "--area", "Hallway", "--wake-word", "none", key=KEY,
    )
    try:
        satellite.microphone.say(CLIPS / "what_time_is_it.wav")
        yield satellite
    finally:
        await remove(home_assistant, satellite)


async def test_the_config_flow_adds_the_satellite_with_its_voice_entities(
    home_assistant: HomeAssistant, esphome_satellite: EsphomeSatellite
) -> None:
    assert esphome_satellite.entry["domain"] == "esphome"
    assert esphome_satellite.entity.startswith("assist_satellite.")
    assert esphome_satellite.one("media_player")
    assert [e for e in esphome_satellite.entities if e.startswith("select.")], esphome_satellite.entities
    # Loaded: Home Assistant's own connection (with the key the flow took) runs the device.
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
    (run,) = await new_runs(ha_ws, aria_pipeline, esphome_satellite.runs_before)
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
    runs_before = await run_ids(ha_ws, aria_pipeline)
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
    (run,) = await new_runs(ha_ws, aria_pipeline, runs_before)
    errors = [e["data"]["code"] for e in run if e["type"] == "error"]
    assert errors == ["stt-no-text-recognized"], run


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


async def test_two_wake_words_each_run_their_own_pipeline(
    namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_ws: HomeAssistantWs,
    aria_pipeline: str, ha_agent_pipeline: str,
) -> None:
    """A satellite with two wake words (no key): Home Assistant offers both in its wake-word
    selects (2025.10 and later); "Okay Nabu" runs the first assistant (the preferred, Aria's),
    "Hey Jarvis" the second, set to Aria's speech with Home Assistant's agent."""
    if not home_assistant.at_least("2025.10"):
        pytest.skip(f"two wake words, each with its pipeline, came in Home Assistant 2025.10 ({home_assistant.release})")
    from tests.satellites.harness import ClipMaker

    clips = ClipMaker(ha_workdir)
    nabu = clips.clip("okay_nabu_what_time", 0.5, "Okay, Nabu.", 0.4, "What time is it?", 1.0)
    jarvis = clips.clip("hey_jarvis_what_time", 0.5, "Hey Jarvis!", 0.4, "What time is it?", 1.0)
    den = await start_satellite(
        namespace, ha_workdir, home_assistant, ha_ws, aria_pipeline, "den-satellite", DEN_ESPHOME_PORT, DEN_WYOMING_PORT,
        "--wake-word", "okay_nabu", "--wake-word", "hey_jarvis",
    )
    try:
        registry = {
            e["unique_id"].rsplit("-", 1)[-1]: e["entity_id"]
            for e in await ha_ws.call("config/entity_registry/list")
            if e.get("config_entry_id") == den.entry["entry_id"]
        }

        async def options_of(entity_id: str) -> list[str]:
            return (await home_assistant.get(f"/api/states/{entity_id}"))["attributes"].get("options", [])

        async def offered() -> bool:
            return "Hey Jarvis" in await options_of(registry["wake_word_2"])

        await wait_until(offered, TIMEOUT_S, "the satellite's wake words in Home Assistant's select")
        pipeline_names = {p["id"]: p["name"] for p in (await ha_ws.call("assist_pipeline/pipeline/list"))["pipelines"]}
        await select(home_assistant, registry["pipeline_2"], pipeline_names[ha_agent_pipeline])
        # One wake-word select at a time, each once the satellite has its choice: Home Assistant
        # sets the words and then reads the device's configuration back in a background task, and
        # a read-back answered before a second, quick choice reached the device would reset that
        # choice's select to "No wake word" (Home Assistant's race; a person is never that quick).
        # A reset select is chosen again.
        chosen = {registry["wake_word"]: "Okay Nabu", registry["wake_word_2"]: "Hey Jarvis"}
        expected = ("okay_nabu", "okay_nabu, hey_jarvis")
        for (entity_id, option), words in zip(chosen.items(), expected):
            lines = len(den.process.lines)
            await select(home_assistant, entity_id, option)
            await den.process.wait_for_line(rf"Home Assistant's wake words: {words}$", TIMEOUT_S, after=lines)

        async def configured() -> bool:
            for entity_id, option in chosen.items():
                if await state_of(home_assistant, entity_id) != option:
                    await select(home_assistant, entity_id, option)
                    return False
            heard = [line for line in den.process.lines if "Home Assistant's wake words:" in line]
            return heard[-1].endswith(expected[-1])

        await wait_until(configured, TIMEOUT_S, "both wake words chosen in Home Assistant and on the satellite")

        for clip, pipeline in ((jarvis, ha_agent_pipeline), (nabu, aria_pipeline)):
            runs_before = await run_ids(ha_ws, pipeline)
            after = len(den.events())
            den.microphone.say(clip)
            await den.wait_event("streaming-started", after=after, reason="wake")
            await den.wait_event("played", after=after, completed=True)
            await wait_state(home_assistant, den.entity, "idle")
            runs = await new_runs(ha_ws, pipeline, runs_before)
            assert len(runs) == 1, (clip.name, runs)
            stt = [e["data"]["stt_output"]["text"] for e in runs[0] if e["type"] == "stt-end"]
            assert stt and "time" in stt[0].lower(), (clip.name, runs[0])
    finally:
        await remove(home_assistant, den)
