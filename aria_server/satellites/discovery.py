"""Finds satellites on the network: browses ``_wyoming._tcp.local.`` and reports each address.

Whether an address really is a satellite is decided by the manager, which asks it ``describe``
(a satellite's ``info`` has a ``satellite`` entry). Browser and sockets are closed on ``stop``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from aria_wire.zeroconf import SERVICE_TYPE

_LOGGER = logging.getLogger(__name__)


class SatelliteBrowser:
    """Calls ``on_found(host, port, service_name)`` for each Wyoming service seen (and on updates)."""

    def __init__(self, on_found: Callable[[str, int, str], None]) -> None:
        self._on_found = on_found
        self._zeroconf: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._lookups: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start browsing; without multicast the failure is logged and satellites are added by address."""
        try:
            self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
            self._browser = AsyncServiceBrowser(
                self._zeroconf.zeroconf, [SERVICE_TYPE], handlers=[self._on_change]
            )
        except OSError as err:
            _LOGGER.warning("zeroconf browsing failed (%s); add satellites with --satellite", err)
            await self.stop()

    def _on_change(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            task = asyncio.get_running_loop().create_task(self._lookup(service_type, name), name=f"zeroconf {name}")
            self._lookups.add(task)
            task.add_done_callback(self._lookups.discard)

    async def _lookup(self, service_type: str, name: str) -> None:
        if self._zeroconf is None:
            return
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(self._zeroconf.zeroconf, 3000):
            return
        addresses = info.parsed_addresses(IPVersion.V4Only)
        if addresses and info.port:
            self._on_found(addresses[0], int(info.port), name)

    async def stop(self) -> None:
        """Stop browsing and close the sockets."""
        for task in list(self._lookups):
            task.cancel()
        await asyncio.gather(*self._lookups, return_exceptions=True)
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None
        if self._zeroconf is not None:
            zeroconf, self._zeroconf = self._zeroconf, None
            await zeroconf.async_close()


def is_local(host: str) -> bool:
    """True when ``host`` is an address of this machine (to skip our own advertisement)."""
    if host.startswith("127."):
        return True
    try:
        return host in socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return False
