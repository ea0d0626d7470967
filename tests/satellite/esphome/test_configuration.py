"""Wake-word configuration (Home Assistant >= 2025.10): available words, up to two active."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .conftest import ApiSatellite, api_client, start_satellite

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
async def satellite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiSatellite]:
    sat = await start_satellite(
        tmp_path_factory.mktemp("esphome-config"), "office", "--wake-word", "okay_nabu", "--wake-word", "hey_jarvis"
    )
    try:
        yield sat
    finally:
        await sat.stop()


async def test_the_satellite_offers_its_wake_words_and_home_assistant_picks(satellite: ApiSatellite) -> None:
    async with api_client(satellite.port) as client:
        config = await client.get_voice_assistant_configuration(60)
        assert [(w.id, w.wake_word) for w in config.available_wake_words] == [
            ("okay_nabu", "Okay Nabu"), ("hey_jarvis", "Hey Jarvis")
        ]
        assert config.max_active_wake_words == 2
        assert config.active_wake_words == ["okay_nabu", "hey_jarvis"]  # no Wyoming server: every word is HA's
        await client.set_voice_assistant_configuration(["hey_jarvis", "not_a_model"])
        config = await client.get_voice_assistant_configuration(60)
    assert config.active_wake_words == ["hey_jarvis"]  # unknown words are dropped
