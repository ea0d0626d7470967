"""Zeroconf advertisement of the Wyoming server (``_wyoming._tcp.local.``) for Home Assistant."""

from __future__ import annotations

import logging
import socket

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."


def advertised_address(host: str) -> str:
    """The address to publish: the bound one, or the outgoing interface when bound to all."""
    if host not in ("0.0.0.0", "", "::"):
        return socket.gethostbyname(host)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.setblocking(False)
        try:
            probe.connect(("224.0.0.251", 5353))  # no packet is sent for a UDP connect
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


class WyomingAdvertisement:
    """Registers on start and unregisters on stop (the wyoming helper never unregisters)."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.address = advertised_address(host)
        self.port = port
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    async def start(self) -> None:
        """Publish the service; failures (no multicast) are logged, not fatal."""
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            f"{self.name}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(self.address)],
            port=self.port,
            properties={"program": "aria"},
        )
        try:
            self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
            # The call returns a task that finishes once the probing/announcing is done.
            await (await self._zeroconf.async_register_service(self._info))
            _LOGGER.info("zeroconf: advertising %s at %s:%d", self._info.name, self.address, self.port)
        except OSError as err:
            _LOGGER.warning("zeroconf advertisement failed (%s); add Aria to Home Assistant by host and port", err)
            await self.stop()

    async def stop(self) -> None:
        """Withdraw the service and close the sockets."""
        if self._zeroconf is None:
            return
        zeroconf, self._zeroconf = self._zeroconf, None
        if self._info is not None:
            try:
                # Await the goodbye broadcast itself, or closing would cut it off.
                await (await zeroconf.async_unregister_service(self._info))
            except Exception:  # shutting down anyway; the record expires on its own
                _LOGGER.debug("zeroconf unregister failed", exc_info=True)
        await zeroconf.async_close()
