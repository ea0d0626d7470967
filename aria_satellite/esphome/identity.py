"""The device's stable identity: a MAC-like id kept in the satellite's data directory.

Home Assistant keys an ESPHome device on its MAC address (the mDNS ``mac`` TXT record and
DeviceInfo's ``mac_address``), so the id must survive restarts and must not be the host's real
NIC address (two satellites on one host would collide). It is random, with the "locally
administered, unicast" bits set, created once and stored as ``esphome-mac`` (AA:BB:CC:DD:EE:FF).
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

_MAC = re.compile(r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$")
FILE_NAME = "esphome-mac"


@dataclass(frozen=True)
class DeviceIdentity:
    """The id as Home Assistant sees it."""

    mac: str
    """``AA:BB:CC:DD:EE:FF`` (upper case)."""

    @property
    def mac_hex(self) -> str:
        """The 12 lower-case hex digits, as the mDNS ``mac`` record carries them."""
        return self.mac.replace(":", "").lower()

    @classmethod
    def random(cls) -> DeviceIdentity:
        """A fresh locally administered unicast id."""
        octets = bytearray(secrets.token_bytes(6))
        octets[0] = (octets[0] | 0x02) & 0xFE
        return cls(":".join(f"{octet:02X}" for octet in octets))

    @classmethod
    def load_or_create(cls, data_dir: Path) -> DeviceIdentity:
        """The stored id, or a new one written (atomically) in ``data_dir``."""
        path = data_dir / FILE_NAME
        try:
            text = path.read_text().strip().upper()
        except FileNotFoundError:
            text = ""
        if _MAC.match(text):
            return cls(text)
        identity = cls.random()
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(identity.mac + "\n")
        os.replace(temporary, path)
        return identity
