"""Encryption: the Noise handshake with the right key; the wrong key and plaintext refused."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aioesphomeapi import InvalidEncryptionKeyAPIError, RequiresEncryptionAPIError
from aioesphomeapi.core import APIConnectionError

from aria_satellite.__main__ import build_parser, settings_from_args
from aria_wire.errors import SettingsError

from .conftest import ApiSatellite, VoiceSession, api_client, key_file, start_satellite

pytestmark = pytest.mark.timeout(180)

KEY = secrets.token_bytes(32)


@pytest.fixture(scope="module")
async def satellite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiSatellite]:
    directory = tmp_path_factory.mktemp("esphome-noise")
    sat = await start_satellite(directory, "bedroom", "--wake-word", "none", "--esphome-key-file", str(key_file(directory, KEY)))
    try:
        yield sat
    finally:
        await sat.stop()


async def test_the_right_key_gets_an_encrypted_session(satellite: ApiSatellite) -> None:
    async with api_client(satellite.port, KEY) as client:
        info = await client.device_info()
        VoiceSession(client)
        config = await client.get_voice_assistant_configuration(60)  # requests and answers both ways
    assert info.name == "bedroom" and config.max_active_wake_words == 2


async def test_a_wrong_key_is_refused(satellite: ApiSatellite) -> None:
    with pytest.raises(InvalidEncryptionKeyAPIError):
        async with api_client(satellite.port, secrets.token_bytes(32)):
            pass


async def test_plaintext_is_refused_once_a_key_is_set(satellite: ApiSatellite) -> None:
    with pytest.raises(RequiresEncryptionAPIError):
        async with api_client(satellite.port):
            pass


async def test_without_a_key_an_encrypting_client_learns_the_device_is_plaintext(tmp_path: Path) -> None:
    sat = await start_satellite(tmp_path, "attic", "--wake-word", "none")
    try:
        with pytest.raises(APIConnectionError, match="plaintext"):
            async with api_client(sat.port, KEY):
                pass
    finally:
        await sat.stop()


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = key_file(tmp_path, KEY)
    os.chmod(path, 0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        settings_from_args(build_parser().parse_args(["--esphome-key-file", str(path)]))


def test_a_key_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(SettingsError, match="not 32"):
        settings_from_args(build_parser().parse_args(["--esphome-key", "c2hvcnQ="]))


async def test_home_assistant_may_provision_a_key_which_is_then_required(tmp_path: Path) -> None:
    sat = await start_satellite(tmp_path, "nursery", "--wake-word", "none")
    try:
        async with api_client(sat.port) as client:
            assert await client.noise_encryption_set_key(KEY)
        stored = tmp_path / "nursery-data" / "esphome-key"
        assert stored.stat().st_mode & 0o077 == 0
        with pytest.raises(RequiresEncryptionAPIError):
            async with api_client(sat.port):
                pass
        async with api_client(sat.port, KEY) as client:
            assert not await client.noise_encryption_set_key(b"")  # never back to plaintext
    finally:
        await sat.stop()
