"""Zeroconf advertisement of a Wyoming service (``_wyoming._tcp.local.``), for the server and the
satellite alike (and of the satellite's ESPHome API, another service type): registered on start,
withdrawn on stop.

zeroconf's ``async_register_service`` / ``async_unregister_service`` return a task that ends when
the probe/announce (or the goodbye) has been sent; both are awaited, so a stop right after a start
still withdraws the record instead of cutting the broadcast off.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping

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


def service_label(name: str) -> str:
    """``name`` as a DNS-SD instance label (letters, digits, ``-`` and ``_``)."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "aria"


class WyomingAdvertisement:
    """Publishes one Wyoming service under ``name`` with TXT ``properties``."""

    def __init__(
        self, name: str, host: str, port: int, properties: Mapping[str, str] | None = None, service_type: str = SERVICE_TYPE
    ) -> None:
        self.name = name
        self.service_type = service_type
        self.address = advertised_address(host)
        self.port = port
        self.properties = dict(properties or {"program": "aria"})
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    @property
    def service_name(self) -> str | None:
        """The registered instance name (zeroconf may have renamed it on a conflict)."""
        return None if self._info is None else self._info.name

    async def start(self) -> None:
        """Publish the service; failures (no multicast) are logged, not fatal."""
        self._info = AsyncServiceInfo(
            self.service_type,
            f"{service_label(self.name)}.{self.service_type}",
            addresses=[socket.inet_aton(self.address)],
            port=self.port,
            properties=self.properties,
        )
        try:
            self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
            await (await self._zeroconf.async_register_service(self._info, allow_name_change=True))
            _LOGGER.info("zeroconf: advertising %s at %s:%d", self._info.name, self.address, self.port)
        except OSError as err:
            _LOGGER.warning("zeroconf advertisement failed (%s); add %s by host and port", err, self.name)
            await self.stop()

    async def stop(self) -> None:
        """Withdraw the service and close the sockets."""
        if self._zeroconf is None:
            return
        zeroconf, self._zeroconf = self._zeroconf, None
        if self._info is not None:
            try:
                await (await zeroconf.async_unregister_service(self._info))
            except Exception:  # shutting down anyway; the record expires on its own
                _LOGGER.debug("zeroconf unregister failed", exc_info=True)
        await zeroconf.async_close()
