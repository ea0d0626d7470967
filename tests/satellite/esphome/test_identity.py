"""The device id and the key: stable, well-formed, kept private."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aria_satellite.esphome.discovery import txt_records
from aria_satellite.esphome.identity import DeviceIdentity
from aria_satellite.esphome.keys import decode_key, encode_key, read_key_file


def test_the_id_is_created_once_and_read_back(tmp_path: Path) -> None:
    first = DeviceIdentity.load_or_create(tmp_path / "data")
    assert DeviceIdentity.load_or_create(tmp_path / "data") == first
    octet = int(first.mac[:2], 16)
    assert octet & 0x02 and not octet & 0x01  # locally administered, unicast: never a real NIC's


def test_a_damaged_id_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "esphome-mac").write_text("not a mac")
    assert len(DeviceIdentity.load_or_create(tmp_path).mac_hex) == 12


def test_the_txt_records_carry_the_mac_and_say_when_a_key_is_needed() -> None:
    identity = DeviceIdentity("02:AB:CD:EF:01:23")
    plain = txt_records("hall", identity, "0.1.0", encrypted=False)
    assert plain["mac"] == "02abcdef0123" and {"version", "platform", "board", "network"} <= plain.keys()
    assert "api_encryption" not in plain
    assert txt_records("hall", identity, "0.1.0", encrypted=True)["api_encryption"] == "Noise_NNpsk0_25519_ChaChaPoly_SHA256"


def test_keys_round_trip_and_bad_ones_say_why(tmp_path: Path) -> None:
    key = os.urandom(32)
    assert decode_key(encode_key(key)) == key
    with pytest.raises(ValueError, match="not base64"):
        decode_key("!!!")
    path = tmp_path / "key"
    path.write_text(encode_key(key))
    path.chmod(0o600)
    assert read_key_file(path) == key
    path.chmod(0o640)
    with pytest.raises(ValueError, match="chmod 600"):
        read_key_file(path)
