"""A network namespace the tier creates: loopback only, so nothing it starts reaches the real network.

Home Assistant's HTTP client opens mDNS sockets even without zeroconf, so Home Assistant, Aria and
Aria's satellite all run inside it. A ``sleep`` process holds the namespace; everything else joins it
with ``nsenter``. As root a plain ``unshare -n`` is enough; otherwise a user namespace maps the
caller to root inside (``unshare -rn``) and joiners enter both.
"""

from __future__ import annotations

import asyncio
import os
import shutil

SETUP = (
    "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"
    " && echo namespace-ready && exec sleep infinity"
)
"""Loopback up with multicast (zeroconf code paths find a route and stay on lo)."""


class NamespaceUnavailable(RuntimeError):
    """No network namespace can be created here (the reason is the message)."""


class Namespace:
    """The holder process of a fresh network namespace, and the prefix that runs a program in it."""

    def __init__(self, holder: asyncio.subprocess.Process, *, user_ns: bool) -> None:
        self.holder = holder
        self.user_ns = user_ns

    @classmethod
    async def create(cls) -> Namespace:
        """A new namespace with loopback up; NamespaceUnavailable when the kernel or tools refuse."""
        for tool in ("unshare", "nsenter", "ip"):
            if shutil.which(tool) is None:
                raise NamespaceUnavailable(f"{tool} is not installed (util-linux / iproute2)")
        user_ns = os.geteuid() != 0
        argv = ["unshare", "-rn" if user_ns else "-n", "--", "sh", "-c", SETUP]
        holder = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        assert holder.stdout is not None and holder.stderr is not None
        line = await asyncio.wait_for(holder.stdout.readline(), 30)
        if line.strip() != b"namespace-ready":
            await holder.wait()
            reason = (await holder.stderr.read()).decode(errors="replace").strip()
            raise NamespaceUnavailable(f"{' '.join(argv[:2])} failed: {reason or 'no output'}")
        return cls(holder, user_ns=user_ns)

    def prefix(self) -> list[str]:
        """The argv prefix that runs a program inside this namespace."""
        pid = str(self.holder.pid)
        if self.user_ns:
            return ["nsenter", "-t", pid, "-U", "-n", "--preserve-credentials", "--"]
        return ["nsenter", "-t", pid, "-n", "--"]

    async def close(self) -> None:
        """End the holder; the namespace goes when its last process has left."""
        if self.holder.returncode is None:
            self.holder.kill()
        await self.holder.wait()
