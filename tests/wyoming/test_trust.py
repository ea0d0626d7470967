"""Which Wyoming clients may ask for security-sensitive actions (``ha.trusted_clients``)."""

from __future__ import annotations

from aria_server.wyoming.trust import TrustedClients


def test_nobody_is_trusted_by_default_not_even_loopback() -> None:
    trusted = TrustedClients([])
    assert not trusted.allows(("127.0.0.1", 5555)) and not trusted.allows("") and not trusted.allows(("::1", 1, 0, 0))


def test_listed_addresses_networks_and_the_unix_socket_are_trusted() -> None:
    trusted = TrustedClients(["192.168.1.10", "10.0.0.0/24", "unix", "not an address"])
    assert trusted.allows(("192.168.1.10", 40000)) and trusted.allows(("10.0.0.77", 1))
    assert trusted.allows(("::ffff:10.0.0.5", 1, 0, 0)), "an IPv4 client on a dual-stack socket"
    assert not trusted.allows(("192.168.1.11", 40000)) and not trusted.allows(("10.0.1.1", 1))
    assert trusted.allows("")
