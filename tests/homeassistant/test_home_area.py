"""A satellite of Aria knows its room in Home Assistant (issue 11 §3.1, §3.4, and Home Assistant
stopping mid-session).

A real ``aria-satellite`` ("kitchen-aria", spoken to through the test microphone) is driven by an
Aria of this module (``--satellite``; ``--satellites-areas kitchen-aria=Kitchen``; no language
model, so every answer is a local intent or Home Assistant's). Aria finds the Home Assistant
device in the Kitchen (the tier's satellite added to Home Assistant) and asks Home Assistant's
agent over the websocket with it, so "turn on the light" is the kitchen light. Light states are
read back over Home Assistant's REST API.

This Aria reaches Home Assistant through a relay (``relay.py``) on a port of its own: stopping the
relay is, for this Aria, Home Assistant stopping (the port refuses, the websocket closes), while
the tier's one Home Assistant keeps serving the other tests; starting it again is Home Assistant
coming back.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from aria_server.conversation.intents import LANGUAGES
from aria_server.home.client import HomeAssistantClient
from aria_server.home.token import TokenSource
from aria_server.stt.service import merge_hotwords
from tests.satellites.harness import ClipMaker, Feeder, normalise, wait_until

from .conftest import ROOT, Satellite, _environ
from .harness import HA_PORT, HomeAssistant, HomeAssistantWs, start_bridge, unix_session
from .namespace import Namespace
from .processes import LoggedProcess
from .test_home_control import KITCHEN, LIVING_ROOM, health, set_light, state

RELAY_PORT = 42123
WYOMING_PORT = 42300
HTTP_PORT = 42780
SATELLITE_PORT = 42700
NAME = "kitchen-aria"
TURN_TIMEOUT_S = 120.0
NO_LLM_REPLY = LANGUAGES["en"].responses["no_llm"]


@dataclass
class Room:
    """This module's Aria, its satellite, the relay between it and Home Assistant."""

    aria: LoggedProcess
    http: aiohttp.ClientSession
    satellite: LoggedProcess
    timing_log: Path
    feeder: Feeder
    clips: ClipMaker
    relay: LoggedProcess
    namespace: Namespace
    token: str

    def events(self) -> list[dict[str, Any]]:
        if not self.timing_log.exists():
            return []
        return [json.loads(line) for line in self.timing_log.read_text().splitlines() if line.strip()]

    async def start_relay(self) -> None:
        self.relay = await _relay(self.namespace)

    async def say(self, name: str, text: str) -> dict[str, Any]:
        """Speak ``text`` at the satellite; the turn's record (Aria's ``/satellites``) once played."""
        before = await self.turns()
        mark = len(self.events())
        self.feeder.say(self.clips.clip(name, 0.3, text, 0.4))
        await wait_until(
            lambda: any(e["event"] == "played" for e in self.events()[mark:]), TURN_TIMEOUT_S, f"{text!r} played"
        )
        async with asyncio.timeout(TURN_TIMEOUT_S):
            while await self.turns() <= before:  # recorded just after the satellite played it
                await asyncio.sleep(0.1)
        return (await self.row())["last_turn"]

    async def row(self) -> dict[str, Any]:
        async with self.http.get("/satellites") as response:
            rows = (await response.json())["satellites"]
        return next(r for r in rows if r["name"] == NAME)

    async def turns(self) -> int:
        return int((await self.row())["turns"])

    async def last_turn(self) -> dict[str, Any]:
        async with self.http.get("/conversations", params={"limit": "1"}) as response:
            latest = (await response.json())["conversations"][0]
        async with self.http.get(f"/conversations/{latest['id']}") as response:
            return (await response.json())["turns"][-1]


async def _relay(namespace: Namespace) -> LoggedProcess:
    relay = await LoggedProcess.start(
        "ha relay",
        [*namespace.prefix(), sys.executable, "-m", "tests.homeassistant.relay", str(RELAY_PORT), str(HA_PORT)],
        cwd=str(ROOT),
    )
    await relay.wait_for_line(r"^relay ready$", 60)
    return relay


@pytest.fixture(scope="module")
async def room(
    namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, satellite: Satellite,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Room]:
    """The tier's satellite (in the Kitchen) is the Home Assistant device this one stands for."""
    work = tmp_path_factory.mktemp("area")
    token_file = work / "ha-token"
    token_file.write_text(home_assistant.token)
    token_file.chmod(0o600)
    relay = await _relay(namespace)
    feeder = Feeder(work, NAME)
    timing_log = work / "satellite.jsonl"
    processes: list[LoggedProcess] = [relay]
    try:
        sat = await LoggedProcess.start(
            "kitchen-aria satellite",
            [
                *namespace.prefix(), sys.executable, "-m", "aria_satellite", "--name", NAME, "--area", "Kitchen",
                "--host", "127.0.0.1", "--port", str(SATELLITE_PORT), "--no-zeroconf", "--no-esphome", "--wake-word", "none",
                "--mic-command", feeder.command, "--snd-file", str(work / "played.wav"), "--no-chimes",
                "--timing-log", str(timing_log),
            ],
            cwd=str(ROOT), env=_environ(),
        )
        processes.append(sat)
        await sat.wait_for_line(r"satellite \S+ ready on tcp://", 120)
        aria = await LoggedProcess.start(
            "aria-server (area)",
            [
                *namespace.prefix(), sys.executable, "-m", "aria_server", "--data-dir", str(work / "data"),
                "--host", "127.0.0.1", "--wyoming-port", str(WYOMING_PORT), "--http-port", str(HTTP_PORT),
                "--no-zeroconf", "--llm-backend", "none", "--satellite", f"tcp://127.0.0.1:{SATELLITE_PORT}",
                "--satellites-areas", f"{NAME}=Kitchen",
                "--ha-url", f"http://127.0.0.1:{RELAY_PORT}", "--ha-token-file", str(token_file),
            ],
            cwd=str(ROOT), env=_environ(),
        )
        processes.append(aria)
        await aria.wait_for_line(r"HTTP API on http://", 240)
        bridge = await start_bridge(namespace, work / "aria.sock", HTTP_PORT, "aria (area) bridge")
        processes.append(bridge)
        http = unix_session(work / "aria.sock", HTTP_PORT)
        room = Room(aria, http, sat, timing_log, feeder, ClipMaker(work), relay, namespace, home_assistant.token)
        await wait_until(
            lambda: any(e["event"] == "state" and e.get("reason") == "run-satellite" for e in room.events()),
            120, "the satellite run by Aria",
        )
        yield room
        await http.close()
        processes[0] = room.relay
    finally:
        for process in reversed(processes):
            await process.stop()


def _record(timings: dict[str, Any], what: str, record: dict[str, Any]) -> None:
    """End of speech -> first audio of a turn (the server's marks; never asserted on)."""
    for stage in ("stt_done", "first_token", "first_audio_out", "playback_start"):
        if stage in record.get("since_vad_end_ms", {}):
            timings.setdefault(f"satellite vad_end -> {stage}, {what}", []).append(record["since_vad_end_ms"][stage])


async def test_turn_on_the_light_from_the_kitchen_satellite_turns_on_the_kitchen_light_only(
    room: Room, home_assistant: HomeAssistant, timings: dict[str, Any]
) -> None:
    for _ in range(3):
        await set_light(home_assistant, KITCHEN, False)
        await set_light(home_assistant, LIVING_ROOM, False)
        record = await room.say("turn_on_the_light", "Turn on the light.")
        assert await state(home_assistant, KITCHEN) == "on", (record, await room.last_turn())
        assert await state(home_assistant, LIVING_ROOM) == "off", (record, await room.last_turn())
        turn = await room.last_turn()
        assert turn["source"] == "home" and "light" in normalise(turn["user_text"]), turn
        _record(timings, "turn on the light (websocket fast path)", record)
    # Asked over the websocket, with the device (REST carries no room); the registries were read.
    assert room.aria.count(r"connected to Home Assistant's websocket") >= 1, room.aria.tail()
    assert room.aria.count(r"Home Assistant: \d+ devices, \d+ areas, [1-9]\d* names for recognition") >= 1
    assert room.token not in room.aria.log
    home = (await health(room.http))["stages"]["home"]
    assert home["status"] == "ok" and home["details"]["websocket"] is True and home["details"]["names"] >= 4, home


async def test_turn_on_the_kitchen_lights_from_the_satellite(
    room: Room, home_assistant: HomeAssistant, timings: dict[str, Any]
) -> None:
    for _ in range(5):
        await set_light(home_assistant, KITCHEN, False)
        record = await room.say("turn_on_the_kitchen_lights", "Turn on the kitchen lights.")
        assert await state(home_assistant, KITCHEN) == "on", (record, await room.last_turn())
        assert (await room.last_turn())["source"] == "home"
        _record(timings, "turn on the kitchen lights (websocket fast path)", record)
    for name, values in timings.items():
        if name.startswith("satellite vad_end"):
            print(f"{name}: median {statistics.median(values):.0f} ms, max {max(values):.0f} ms of "
                  f"{[round(v) for v in values]}")


async def test_a_whole_device_command_naming_a_known_light_ends_the_turn_early(
    room: Room, home_assistant: HomeAssistant, timings: dict[str, Any]
) -> None:
    """Like a local intent: the quick first pass heard a whole command naming what Home Assistant
    knows, so its transcript is final after the short silence (no full decode)."""
    for _ in range(3):
        await set_light(home_assistant, KITCHEN, False)
        record = await room.say("turn_on_the_kitchen_light", "Turn on the kitchen light.")
        assert record["stt"]["first_pass"] is True, record
        assert await state(home_assistant, KITCHEN) == "on", (record, await room.last_turn())
        turn = await room.last_turn()
        assert turn["source"] == "home" and "kitchen light" in normalise(turn["user_text"]), turn
        _record(timings, "turn on the kitchen light (ended early)", record)


async def test_a_device_command_naming_what_home_assistant_does_not_know_is_not_ended_early(
    room: Room, home_assistant: HomeAssistant
) -> None:
    await set_light(home_assistant, KITCHEN, False)
    record = await room.say("turn_on_the_spaceship", "Turn on the spaceship.")
    assert record["stt"]["first_pass"] is False, record  # the full decode, after the plain silence
    turn = await room.last_turn()
    assert "spaceship" in normalise(turn["user_text"]), turn["user_text"]
    # No device is called that: nothing was done, and the answer says so (never the model's words).
    assert turn["source"] == "home", (turn["user_text"], turn["reply_text"], turn["source"])
    assert turn["reply_text"].startswith("I couldn't find a device called"), turn
    assert turn["reply_text"].endswith("Nothing was changed."), turn
    assert await state(home_assistant, KITCHEN) == "off"


async def test_the_names_of_exposed_entities_and_areas_bias_recognition(
    home_assistant: HomeAssistant, ha_workdir: Path, ha_ws: HomeAssistantWs
) -> None:
    client = HomeAssistantClient(
        f"http://127.0.0.1:{HA_PORT}", TokenSource(value=home_assistant.token), 30.0,
        connector=lambda: aiohttp.UnixConnector(path=str(ha_workdir / "ha.sock")),
    )
    await client.start()
    try:
        await wait_until(lambda: client.vocabulary(), 60, "the names loaded")
        names = client.vocabulary()
        assert {"Kitchen", "Living Room", "Kitchen light", "Living room light"} <= set(names), names
        # Merged after what a Wyoming client asked for (transcript_names), within Whisper's prompt.
        hint = merge_hotwords("Aria", names)
        assert hint is not None and hint.startswith("Aria, ") and "Living room light" in hint
        created = await ha_ws.call("config/area_registry/create", name="Attic")
        try:
            await wait_until(lambda: "Attic" in client.vocabulary(), 60, "the new area among the names")
        finally:
            await ha_ws.call("config/area_registry/delete", area_id=created["area_id"])
    finally:
        await client.aclose()


async def test_home_assistant_stopped_mid_session_then_back(room: Room, home_assistant: HomeAssistant) -> None:
    """Last in the module: the relay stops (Home Assistant gone for this Aria), then comes back."""
    await set_light(home_assistant, KITCHEN, False)
    await room.relay.stop()
    await room.say("turn_on_the_light", "Turn on the light.")
    turn = await room.last_turn()
    assert turn["reply_text"] == "I can't reach Home Assistant right now, so nothing was changed or checked.", turn
    assert turn["source"] == "apology"
    assert await state(home_assistant, KITCHEN) == "off"
    report = await health(room.http)
    assert report["stages"]["home"]["status"] == "degraded", report
    assert report["stages"]["home"]["details"]["last_error_code"] == "home-unreachable", report
    await room.say("what_time", "What time is it?")
    turn = await room.last_turn()
    assert turn["source"] == "intent" and turn["reply_text"].startswith("It's "), turn

    await room.start_relay()  # Home Assistant is back; Aria is not restarted
    await room.say("turn_on_the_light", "Turn on the light.")
    turn = await room.last_turn()
    assert turn["source"] == "home", (turn["user_text"], turn["reply_text"], turn["source"])
    assert await state(home_assistant, KITCHEN) == "on"
    assert await state(home_assistant, LIVING_ROOM) == "off"
    assert (await health(room.http))["stages"]["home"]["status"] == "ok"
