"""mDNS: the satellite advertises ``_esphomelib._tcp`` with the TXT records Home Assistant reads.

Multicast runs only inside a network namespace of the test's own (tests/netns.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from zeroconf import ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from tests.netns import in_network_namespace
from tests.satellites.harness import TIMEOUT, SatelliteProcess

from .conftest import api_client, write_wav

SERVICE = "_esphomelib._tcp.local."


@in_network_namespace
async def test_the_api_is_advertised_with_its_mac(tmp_path: Path) -> None:
    mic = write_wav(tmp_path / "silence.wav", 1.0, rate=16_000, hz=0.0)
    sat = await SatelliteProcess.start(
        tmp_path, "mdns-room", "--wake-word", "none", "--esphome-port", "0", "--data-dir", str(tmp_path / "data"),
        "--mic-file", str(mic), "--snd-file", str(tmp_path / "out.wav"), zeroconf=True,
    )
    zeroconf = AsyncZeroconf()
    found: asyncio.Queue[str] = asyncio.Queue()

    def on_change(zeroconf: object, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            found.put_nowait(name)

    browser = AsyncServiceBrowser(zeroconf.zeroconf, SERVICE, handlers=[on_change])
    try:
        port = int((await sat.wait_event(lambda e: e["event"] == "esphome-ready"))["port"])
        async with asyncio.timeout(TIMEOUT):
            name = await found.get()
        info = AsyncServiceInfo(SERVICE, name)
        assert await info.async_request(zeroconf.zeroconf, 10_000)
        txt = {key.decode(): (value or b"").decode() for key, value in info.properties.items()}
        async with api_client(port) as client:
            mac = (await client.device_info()).mac_address
        assert info.port == port and name == f"mdns-room.{SERVICE}"
        assert txt["mac"] == mac.replace(":", "").lower()
        assert {"version", "platform", "board", "network"} <= txt.keys() and "api_encryption" not in txt
    finally:
        await browser.async_cancel()
        await zeroconf.async_close()
        await sat.stop()
