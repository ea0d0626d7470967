"""Which Home Assistant device and area stand for a satellite, which pipeline the fast path runs,
and which names bias recognition: the settings and the rules over Home Assistant's registry JSON
(the shapes Home Assistant 2025.4 sends; the live registries are read in
tests/homeassistant/test_home_websocket.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aria_server.config import load_settings
from aria_server.conversation.factory import home_client
from aria_server.home.directory import (
    MAX_NAMES_CHARS,
    bounded,
    build_snapshot,
    pick_device,
    pick_pipeline,
)
from aria_server.home.websocket import websocket_url
from aria_server.services import Services
from aria_server.stt.service import MAX_HOTWORDS_CHARS, SpeechService, merge_hotwords
from aria_wire.audio import PcmFormat

DEVICES = [
    {"id": "dev-sat", "name": "kitchen-satellite", "name_by_user": None, "area_id": "kitchen"},
    {"id": "dev-lamp", "name": "Hue bulb", "name_by_user": "Reading lamp", "area_id": "living_room"},
]
AREAS = [
    {"area_id": "kitchen", "name": "Kitchen", "aliases": ["Cookhouse"]},
    {"area_id": "living_room", "name": "Living Room", "aliases": []},
]
ENTITIES = [
    {"entity_id": "light.kitchen_light", "name": None, "original_name": None},
    {"entity_id": "light.living_room_light", "name": "Sofa light", "original_name": "Living room light"},
    {"entity_id": "switch.hidden_pump", "name": None, "original_name": "Pump"},
]
EXPOSED = {"exposed_entities": {"light.kitchen_light": {"conversation": True}, "light.living_room_light": {"conversation": True}}}
STATES = [
    {"entity_id": "light.kitchen_light", "attributes": {"friendly_name": "Kitchen light"}},
    {"entity_id": "light.living_room_light", "attributes": {"friendly_name": "Living room light"}},
    {"entity_id": "switch.hidden_pump", "attributes": {"friendly_name": "Pump"}},
]


def test_area_and_device_per_satellite_come_from_the_command_line_the_environment_and_toml(tmp_path: Path) -> None:
    settings = load_settings(
        ["--satellites-areas", "kitchen=Kitchen", "--satellites-areas", "den=Living Room",
         "--satellites-ha-devices", "den=0123abcd"], {},
    )
    assert settings.satellites.profile("kitchen").area == "Kitchen"
    assert settings.satellites.profile("den").area == "Living Room"
    assert settings.satellites.profile("hall").area is None
    assert settings.satellites.profile("den").ha_device == "0123abcd"
    env = load_settings([], {"ARIA_SATELLITES_AREAS": "hall=Hall,attic=Attic"})
    assert env.satellites.profile("attic").area == "Attic"
    config = tmp_path / "aria.toml"
    config.write_text('[satellites]\nha_devices = ["kitchen=feed42"]\n')
    assert load_settings(["--config", str(config)], {}).satellites.profile("kitchen").ha_device == "feed42"


def test_a_malformed_entry_is_refused_at_load() -> None:
    with pytest.raises(Exception, match="ha_devices|ha-devices"):
        load_settings(["--satellites-ha-devices", "no-equals-sign"], {})


def test_the_home_client_gets_the_satellite_settings() -> None:
    client = home_client(load_settings(["--ha-url", "http://ha:8123", "--satellites-areas", "k=Kitchen"], {}))
    assert client is not None and client.satellites.profile("k").area == "Kitchen"
    assert client.ws.url == "ws://ha:8123/api/websocket"


def test_the_websocket_address_follows_the_base_url() -> None:
    assert websocket_url("http://ha.local:8123/") == "ws://ha.local:8123/api/websocket"
    assert websocket_url("https://ha.example") == "wss://ha.example/api/websocket"


def test_a_device_named_like_the_satellite_wins_else_one_in_its_area() -> None:
    snapshot = build_snapshot(DEVICES, AREAS, ENTITIES, EXPOSED, STATES)
    assert pick_device(snapshot, "Kitchen Satellite", None) == "dev-sat"
    assert pick_device(snapshot, "den", "Living Room") == "dev-lamp"
    assert pick_device(snapshot, "den", "living_room") == "dev-lamp"  # the area's id works too
    assert pick_device(snapshot, "Reading lamp", None) == "dev-lamp"  # the name the user gave it
    assert pick_device(snapshot, "den", None) is None
    assert pick_device(snapshot, "den", "Garage") is None


async def test_the_language_model_is_told_the_area_set_for_the_satellite_else_its_devices_area() -> None:
    client = home_client(load_settings(["--ha-url", "http://ha:8123", "--satellites-areas", "den=Den"], {}))
    assert client is not None
    # The registries as just read (nothing is asked of Home Assistant while they are fresh).
    client.directory.snapshot = build_snapshot(DEVICES, AREAS, ENTITIES, EXPOSED, STATES)
    assert await client.area_of("den") == "Den"  # the setting wins
    assert await client.area_of("kitchen-satellite") == "Kitchen"  # its device's area
    assert await client.area_of("hall") is None  # no device, no setting: nothing is made up


def test_only_a_pipeline_with_home_assistants_own_agent_is_used() -> None:
    listed = {
        "preferred_pipeline": "aria",
        "pipelines": [
            {"id": "aria", "conversation_engine": "conversation.aria", "conversation_language": "en"},
            {"id": "ha-de", "conversation_engine": "conversation.home_assistant", "conversation_language": "de"},
            {"id": "ha-en", "conversation_engine": "conversation.home_assistant", "conversation_language": "en"},
        ],
    }
    assert pick_pipeline(listed, "en") == "ha-en"
    assert pick_pipeline(listed, "de") == "ha-de"
    assert pick_pipeline(listed, "ja") is None  # then one is created
    listed["preferred_pipeline"] = "ha-en-2"
    listed["pipelines"].append({"id": "ha-en-2", "conversation_engine": "conversation.home_assistant", "language": "en"})
    assert pick_pipeline(listed, "en") == "ha-en-2"


def test_recognition_names_are_the_areas_then_the_exposed_entities_only() -> None:
    names = build_snapshot(DEVICES, AREAS, ENTITIES, EXPOSED, STATES).names
    assert names == ("Kitchen", "Cookhouse", "Living Room", "Kitchen light", "Sofa light")
    assert "Pump" not in names  # not exposed to Assist


def test_the_names_are_bounded() -> None:
    many = [f"Light number {i}" for i in range(500)]
    kept = bounded(many + ["light number 1"])
    assert len(", ".join(kept)) <= MAX_NAMES_CHARS and len(set(map(str.lower, kept))) == len(kept)


def test_home_names_follow_the_clients_own_hints_within_whispers_prompt() -> None:
    assert merge_hotwords(None, ()) is None
    assert merge_hotwords("Aria, Kitchen", ["kitchen", "Living Room"]) == "Aria, Kitchen, Living Room"
    assert merge_hotwords(None, ["Kitchen"]) == "Kitchen"
    long = merge_hotwords(None, [f"Name {i}" for i in range(400)])
    assert long is not None and len(long) <= MAX_HOTWORDS_CHARS and long.endswith(tuple("0123456789"))


async def test_every_transcription_session_gets_the_home_names(services: Services) -> None:
    shared = services.stt
    assert shared is not None
    # The home's names are given at construction (services.py passes the agent's home vocabulary).
    stt = SpeechService(
        shared.decoder, shared.vad, shared.vad_settings, 60.0, home_names=lambda: ("Kitchen light", "Living Room")
    )
    try:
        session = stt.start(PcmFormat(16_000, 2, 1), "en", hotwords="Aria")
        try:
            assert session.options.hotwords == "Aria, Kitchen light, Living Room"
        finally:
            await session.aclose()
    finally:
        stt.close()
