"""Zeroconf advertisement of the satellite as ``_wyoming._tcp.local.`` (registered and withdrawn)."""

from __future__ import annotations

import logging
import socket

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from aria_server.wyoming.discovery import SERVICE_TYPE, advertised_address

_LOGGER = logging.getLogger(__name__)


class SatelliteAdvertisement:
    """Publishes the satellite so servers (Aria, Home Assistant) connect to it."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.address = advertised_address(host)
        self.port = port
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    async def start(self) -> None:
        """Register; without multicast the failure is logged and the satellite is added by address."""
        service_name = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.name)
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            f"{service_name}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(self.address)],
            port=self.port,
            properties={"program": "aria-satellite", "satellite": self.name},
        )
        try:
            self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
            await self._zeroconf.async_register_service(self._info, allow_name_change=True)
            _LOGGER.info("zeroconf: advertising %s at %s:%d", self._info.name, self.address, self.port)
        except OSError as err:
            _LOGGER.warning("zeroconf advertisement failed (%s); add the satellite by address", err)
            await self.stop()

    async def stop(self) -> None:
        """Unregister and close."""
        if self._zeroconf is None:
            return
        zeroconf, self._zeroconf = self._zeroconf, None
        if self._info is not None:
            try:
                await zeroconf.async_unregister_service(self._info)
            except Exception:  # shutting down anyway; the record expires by itself
                _LOGGER.debug("zeroconf unregister failed", exc_info=True)
        await zeroconf.async_close()
