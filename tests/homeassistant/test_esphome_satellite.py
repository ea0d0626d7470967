"""Aria's satellite as an ESPHome voice device in a real Home Assistant.

The satellite runs in the tier's namespace with its ESPHome API on, an encryption key set, speech
starting a turn (``--wake-word none``) and "What time is it?" as its microphone from the moment Home
Assistant subscribes to its voice assistant. It is added as a user would add it: the ESPHome
integration's config flow over Home Assistant's REST API (host, port, then the key the flow asks
for). Home Assistant then runs the satellite with its preferred pipeline, Aria for every stage
(``aria_pipeline``). What the satellite played is appended to a WAV (``--snd-file``); its timing log
says when a turn streamed and when a playback ended, which the tests wait on.
"""

from __future__ import annotations

import base64
import json
import sys
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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


@dataclass
class EsphomeSatellite:
    """The satellite process, what it played, its timing log and its Home Assistant entry."""

    process: LoggedProcess
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
            "--mic-file", str(CLIPS / "what_time_is_it.wav"), "--snd-file", str(played), "--no-chimes",
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

        yield EsphomeSatellite(process, played, timing_log, entry, await wait_until(entities, TIMEOUT_S, "the satellite's entities"))
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
    # The microphone file starts once Home Assistant subscribes; its speech starts the turn.
    await esphome_satellite.wait_event("streaming-started")
    played = await esphome_satellite.wait_event("played")
    assert played["completed"] is True, played
    assert esphome_satellite.frames_played() > 0
    await wait_state(home_assistant, esphome_satellite.entity, "idle")
    # The run went through Aria's pipeline: Aria heard the question, and its agent answered.
    runs = (await ha_ws.call("assist_pipeline/pipeline_debug/list", pipeline_id=aria_pipeline))["pipeline_runs"]
    texts = []
    for run in runs:
        events = (
            await ha_ws.call("assist_pipeline/pipeline_debug/get", pipeline_id=aria_pipeline, pipeline_run_id=run["pipeline_run_id"])
        )["events"]
        texts += [e["data"]["stt_output"]["text"] for e in events if e["type"] == "stt-end"]
    assert any("time" in text.lower() for text in texts), texts


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
