"""mDNS advertisement of the ESPHome API: ``_esphomelib._tcp.local.`` with Home Assistant's TXT.

Home Assistant's discovery reads ``mac`` (it aborts without it: the MAC is the device's
identity), ``version``, ``platform``, ``board`` and ``network``, and ``api_encryption`` tells it
a key is required (it then asks the user for it). Registration and withdrawal are
``aria_wire.zeroconf``'s (awaited both ways, closed on stop).
"""

from __future__ import annotations

from aria_wire.zeroconf import WyomingAdvertisement

from .identity import DeviceIdentity
from .noise import PROTOCOL_NAME
from .server import ESPHOME_VERSION

SERVICE_TYPE = "_esphomelib._tcp.local."


def txt_records(name: str, identity: DeviceIdentity, version: str, encrypted: bool) -> dict[str, str]:
    """The TXT properties of the service."""
    records = {
        "friendly_name": name,
        "mac": identity.mac_hex,
        "version": ESPHOME_VERSION,
        "platform": "host",
        "board": "aria-satellite",
        "network": "ethernet",
        "project_name": "aria.satellite",
        "project_version": version,
    }
    if encrypted:
        records["api_encryption"] = PROTOCOL_NAME.decode()
    return records


def esphome_advertisement(
    name: str, host: str, port: int, identity: DeviceIdentity, version: str, encrypted: bool
) -> WyomingAdvertisement:
    """The advertisement to ``start()`` and ``stop()``."""
    return WyomingAdvertisement(name, host, port, txt_records(name, identity, version, encrypted), service_type=SERVICE_TYPE)
