"""Zeroconf: the server is found as _wyoming._tcp.local. and withdrawn when it stops."""

from __future__ import annotations

import asyncio
import uuid

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from aria_wire.zeroconf import SERVICE_TYPE, WyomingAdvertisement

from ..netns import in_network_namespace


@in_network_namespace
async def test_advertised_then_withdrawn() -> None:
    wanted = f"aria-test-{uuid.uuid4().hex[:8]}"
    added, removed = asyncio.Event(), asyncio.Event()

    # zeroconf calls handlers with these exact keyword names.
    def on_change(zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if name.startswith(wanted):
            (added if state_change is ServiceStateChange.Added else removed).set()

    browser_zc = AsyncZeroconf(ip_version=IPVersion.V4Only)
    browser = AsyncServiceBrowser(browser_zc.zeroconf, [SERVICE_TYPE], handlers=[on_change])
    advertisement = WyomingAdvertisement(wanted, "127.0.0.1", 10800)
    try:
        await advertisement.start()
        await asyncio.wait_for(added.wait(), 30)
        info = AsyncServiceInfo(SERVICE_TYPE, f"{wanted}.{SERVICE_TYPE}")
        assert await info.async_request(browser_zc.zeroconf, 3000)
        assert info.port == 10800
        assert info.parsed_addresses() == ["127.0.0.1"]
        await advertisement.stop()
        await asyncio.wait_for(removed.wait(), 30)
    finally:
        await advertisement.stop()
        await browser.async_cancel()
        await browser_zc.async_close()
