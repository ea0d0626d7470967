"""The media player entity: play_media, volume, mute, stop; its state follows what plays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aioesphomeapi import APIClient, MediaPlayerCommand, MediaPlayerInfo, MediaPlayerState

from tests.satellites.harness import TIMEOUT

from .conftest import ApiSatellite, MediaServer, VoiceSession, api_client, start_satellite

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
async def satellite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiSatellite]:
    sat = await start_satellite(tmp_path_factory.mktemp("esphome-media"), "lounge", "--wake-word", "none")
    try:
        yield sat
    finally:
        await sat.stop()


class States:
    """The media player's state updates, in order."""

    def __init__(self, client: APIClient) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        client.subscribe_states(self.queue.put_nowait)

    async def until(self, match: object) -> object:
        async with asyncio.timeout(TIMEOUT):
            while True:
                state = await self.queue.get()
                if match(state):  # type: ignore[operator]
                    return state


async def player_key(client: APIClient) -> int:
    entities, _ = await client.list_entities_services()
    return next(e.key for e in entities if isinstance(e, MediaPlayerInfo))


async def test_play_media_plays_and_returns_to_idle(satellite: ApiSatellite, media: MediaServer) -> None:
    async with api_client(satellite.port) as client:
        VoiceSession(client)  # Home Assistant subscribes to a voice device's assistant: it runs the satellite
        key = await player_key(client)
        states = States(client)
        await states.until(lambda s: s.state == MediaPlayerState.IDLE)
        after = len(satellite.process.events())
        client.media_player_command(key, media_url=media.url("reply.wav"))
        await states.until(lambda s: s.state == MediaPlayerState.PLAYING)
        await states.until(lambda s: s.state == MediaPlayerState.IDLE)
        played = await satellite.process.wait_event(lambda e: e["event"] == "played", after=after)
    assert played["completed"] is True


async def test_stop_ends_what_plays(satellite: ApiSatellite, media: MediaServer) -> None:
    async with api_client(satellite.port) as client:
        VoiceSession(client)
        key = await player_key(client)
        states = States(client)
        after = len(satellite.process.events())
        client.media_player_command(key, media_url=media.url("long.wav"), announcement=False)
        await satellite.process.wait_event(lambda e: e["event"] == "playback-started", after=after)
        client.media_player_command(key, command=MediaPlayerCommand.STOP)
        await states.until(lambda s: s.state == MediaPlayerState.IDLE)
        stopped = await satellite.process.wait_event(lambda e: e["event"] == "played", after=after)
    assert stopped["completed"] is False


async def test_volume_and_mute_are_kept_and_reported(satellite: ApiSatellite) -> None:
    async with api_client(satellite.port) as client:
        key = await player_key(client)
        states = States(client)
        client.media_player_command(key, volume=0.25)
        await states.until(lambda s: abs(s.volume - 0.25) < 1e-6)
        client.media_player_command(key, command=MediaPlayerCommand.MUTE)
        await states.until(lambda s: s.muted)
        client.media_player_command(key, command=MediaPlayerCommand.UNMUTE)
        state = await states.until(lambda s: not s.muted)
    assert abs(state.volume - 0.25) < 1e-6
