"""Which Wyoming clients may ask for security-sensitive actions: those the user allow-listed.

Wyoming has no authentication, and Aria must listen beyond loopback for a Home Assistant on
another host, so a client's address is all there is to go on: ``ha.trusted_clients`` lists
addresses and networks (``192.168.1.10``, ``10.0.0.0/24``, ``::1``) and ``unix`` for the Unix
socket. Nobody is trusted by default, not even loopback (a browser page or any local program can
reach it). Trusted still means "after a spoken confirmation" (``home/safety.py``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from typing import Any

_LOGGER = logging.getLogger(__name__)

UNIX = "unix"


class TrustedClients:
    """The allow-list, parsed once (an entry that is not an address is logged and ignored)."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.unix = False
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            if entry.strip().lower() == UNIX:
                self.unix = True
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                _LOGGER.warning("ha.trusted_clients: %r is not an address or network; ignored", entry)

    def allows(self, peer: Any) -> bool:
        """Whether ``peer`` (a socket's ``peername``) is allow-listed."""
        if isinstance(peer, tuple) and peer:
            try:
                address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
            except ValueError:
                return False
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                address = address.ipv4_mapped
            return any(address in network for network in self.networks)
        # A Unix socket's peer name is "" (or the path); only the file's permissions guard it.
        return self.unix
