"""Zeroconf: the server is found as _wyoming._tcp.local. and withdrawn when it stops, and it is
announced only where it can be reached (a loopback-only server on an ordinary host: not at all)."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

import aria_wire.zeroconf as zeroconf_module
from aria_wire.zeroconf import SERVICE_TYPE, WyomingAdvertisement, advertisement_scope

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


# -- where a record is announced: only where the service can be reached (no sockets) ---------


def test_bound_to_loopback_on_an_ordinary_host_it_is_not_advertised() -> None:
    scope = advertisement_scope("127.0.0.1", loopback_multicast=False)
    assert scope.address is None and scope.interfaces is None
    assert "loopback" in scope.reason and "not advertised" in scope.reason


def test_localhost_counts_as_loopback() -> None:
    assert advertisement_scope("localhost", loopback_multicast=False).address is None


def test_bound_to_loopback_where_loopback_carries_multicast_it_is_announced_there_only() -> None:
    scope = advertisement_scope("127.0.0.1", loopback_multicast=True)
    assert scope.address == "127.0.0.1" and scope.interfaces == ["127.0.0.1"]


def test_bound_to_one_address_it_is_announced_on_that_interface_only() -> None:
    scope = advertisement_scope("192.0.2.7")
    assert scope.address == "192.0.2.7" and scope.interfaces == ["192.0.2.7"]


def test_bound_to_every_address_it_is_announced_on_every_interface() -> None:
    scope = advertisement_scope("0.0.0.0")
    assert scope.interfaces is None and scope.address is not None


async def test_a_loopback_server_opens_no_mdns_socket_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # This host's loopback as an ordinary one: no multicast (the decision, not a socket, is tested).
    monkeypatch.setattr(zeroconf_module, "loopback_carries_multicast", lambda interface="lo": False)
    caplog.set_level(logging.INFO, logger="aria_wire.zeroconf")
    advertisement = WyomingAdvertisement("aria-loopback", "127.0.0.1", 10800)
    await advertisement.start()
    try:
        assert advertisement.service_name is None and advertisement._zeroconf is None
        (line,) = [r for r in caplog.records if r.name == "aria_wire.zeroconf"]
        assert line.levelno == logging.INFO and "not advertised" in line.getMessage()
    finally:
        await advertisement.stop()
