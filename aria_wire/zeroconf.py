"""Zeroconf advertisement of a Wyoming service (``_wyoming._tcp.local.``), for the server and the
satellite alike (and of the satellite's ESPHome API, another service type): registered on start,
withdrawn on stop.

zeroconf's ``async_register_service`` / ``async_unregister_service`` return a task that ends when
the probe/announce (or the goodbye) has been sent; both are awaited, so a stop right after a start
still withdraws the record instead of cutting the broadcast off.

Where the record is announced follows from the address the service is bound to
(``advertisement_scope``): bound to every address, on every interface; bound to one address, on
that address's interface only; bound to loopback, on loopback only where loopback carries
multicast (a test's network namespace), else not at all, since no other machine could reach it.
Why is logged at start, so a newcomer on 127.0.0.1 learns why Home Assistant does not find it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from zeroconf import InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."
_WILDCARDS = ("0.0.0.0", "", "::")


def advertised_address(host: str) -> str:
    """The address to publish: the bound one, or the outgoing interface when bound to all."""
    if host not in _WILDCARDS:
        return socket.gethostbyname(host)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.setblocking(False)
        try:
            probe.connect(("224.0.0.251", 5353))  # no packet is sent for a UDP connect
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


_IFF_MULTICAST = 0x1000
_SIOCGIFFLAGS = 0x8913
"""Linux's interface-flags ioctl: asked of a socket, so it answers for this network namespace
(``/sys/class/net`` shows the namespace that mounted it)."""


def loopback_carries_multicast(interface: str = "lo") -> bool:
    """Whether mDNS can be heard on the loopback interface (off on an ordinary Linux host)."""
    try:
        import fcntl  # Unix only; elsewhere loopback counts as silent

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            request = struct.pack("16sH", interface.encode(), 0)
            flags = struct.unpack("16sH", fcntl.ioctl(probe.fileno(), _SIOCGIFFLAGS, request)[:18])[1]
    except (ImportError, OSError):
        return False
    return bool(flags & _IFF_MULTICAST)


@dataclass(frozen=True)
class AdvertisementScope:
    """Where a service bound to one host is announced, and why (the why is logged)."""

    address: str | None
    """The address published in the record; None: not advertised at all."""
    interfaces: list[str] | None
    """The interface addresses the announcement goes out on; None: every interface."""
    reason: str


def advertisement_scope(host: str, *, loopback_multicast: bool | None = None) -> AdvertisementScope:
    """Where a service bound to ``host`` may be advertised: only where it can be reached.

    ``loopback_multicast``: whether loopback carries multicast (default: asked of the system).
    """
    if host in _WILDCARDS:
        address = advertised_address(host)
        return AdvertisementScope(address, None, f"bound to every address: announced on every interface as {address}")
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        return AdvertisementScope(address, [address], f"bound to {address}: announced on that interface only")
    if loopback_multicast is None:
        loopback_multicast = loopback_carries_multicast()
    if loopback_multicast:
        return AdvertisementScope(address, [address], f"bound to {address} (loopback): announced on loopback only")
    return AdvertisementScope(
        None, None,
        f"bound to {address} (loopback), which no other machine can reach: not advertised "
        "(bind 0.0.0.0 or an address of this machine to be found on the network)",
    )


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
        self.scope = advertisement_scope(host)
        self.address = self.scope.address or advertised_address(host)
        self.port = port
        self.properties = dict(properties or {"program": "aria"})
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    @property
    def service_name(self) -> str | None:
        """The registered instance name (zeroconf may have renamed it on a conflict)."""
        return None if self._info is None else self._info.name

    async def start(self) -> None:
        """Publish the service where it can be reached (see the module docstring); failures (no
        multicast) are logged, not fatal."""
        if self.scope.address is None:
            _LOGGER.info("zeroconf: %s is %s", self.name, self.scope.reason)
            return
        self._info = AsyncServiceInfo(
            self.service_type,
            f"{service_label(self.name)}.{self.service_type}",
            addresses=[socket.inet_aton(self.address)],
            port=self.port,
            properties=self.properties,
        )
        try:
            interfaces = InterfaceChoice.All if self.scope.interfaces is None else self.scope.interfaces
            self._zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
            await (await self._zeroconf.async_register_service(self._info, allow_name_change=True))
            _LOGGER.info(
                "zeroconf: advertising %s at %s:%d (%s)", self._info.name, self.address, self.port, self.scope.reason
            )
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
