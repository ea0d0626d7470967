"""The ESPHome API server as Home Assistant's client sees it: hello, device info, entities, states."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aioesphomeapi import MediaPlayerInfo, MediaPlayerState, VoiceAssistantFeature

from .conftest import ApiSatellite, api_client, start_satellite

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
async def satellite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiSatellite]:
    sat = await start_satellite(tmp_path_factory.mktemp("esphome-server"), "hall", "--wake-word", "none", "--area", "Hall")
    try:
        yield sat
    finally:
        await sat.stop()


async def test_device_info_says_what_the_satellite_does(satellite: ApiSatellite) -> None:
    async with api_client(satellite.port) as client:
        info = await client.device_info()
        assert client.api_version is not None and (client.api_version.major, client.api_version.minor) == (1, 10)
    assert info.name == "hall" and info.suggested_area == "Hall" and not info.uses_password
    assert len(info.mac_address.split(":")) == 6
    flags = VoiceAssistantFeature(info.voice_assistant_feature_flags)
    assert flags == (
        VoiceAssistantFeature.VOICE_ASSISTANT | VoiceAssistantFeature.SPEAKER | VoiceAssistantFeature.API_AUDIO
        | VoiceAssistantFeature.TIMERS | VoiceAssistantFeature.ANNOUNCE | VoiceAssistantFeature.START_CONVERSATION
    )
    assert info.api_encryption_supported


async def test_the_identity_survives_a_restart(tmp_path: Path) -> None:
    first = await start_satellite(tmp_path, "porch", "--wake-word", "none")
    try:
        async with api_client(first.port) as client:
            mac = (await client.device_info()).mac_address
    finally:
        await first.stop()
    second = await start_satellite(tmp_path, "porch", "--wake-word", "none")
    try:
        async with api_client(second.port) as client:
            assert (await client.device_info()).mac_address == mac
    finally:
        await second.stop()


async def test_the_media_player_lists_wav_at_the_speaker_rate(satellite: ApiSatellite) -> None:
    async with api_client(satellite.port) as client:
        entities, services = await client.list_entities_services()
    [player] = entities
    assert isinstance(player, MediaPlayerInfo) and services == []
    formats = {(f.format, f.sample_rate, f.num_channels, f.sample_bytes) for f in player.supported_formats}
    assert formats == {("wav", 22_050, 1, 2)}
    assert {int(f.purpose) for f in player.supported_formats} == {0, 1}  # default and announcement


async def test_subscribing_to_states_sends_the_media_player_state(satellite: ApiSatellite) -> None:
    states: asyncio.Queue[object] = asyncio.Queue()
    async with api_client(satellite.port) as client:
        client.subscribe_states(states.put_nowait)
        state = await asyncio.wait_for(states.get(), 60)
    assert state.state == MediaPlayerState.IDLE and state.volume == 1.0 and not state.muted


async def test_several_clients_at_once_each_get_answers(satellite: ApiSatellite) -> None:
    async with api_client(satellite.port) as one, api_client(satellite.port) as two:
        first, second = await asyncio.gather(one.device_info(), two.device_info())
    assert first.mac_address == second.mac_address
