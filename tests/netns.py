"""Tests that use multicast (zeroconf) run inside a network namespace of their own.

No test may send traffic off this machine, and mDNS goes to 224.0.0.251 on every interface. So a
test decorated with ``@in_network_namespace`` does not run in the pytest process: it re-runs
itself (the same node id) in a child pytest under ``unshare --net``, where the only interface is a
fresh ``lo`` with multicast on and a route for 224.0.0.0/4, and passes when that child passes.
Where namespaces cannot be made (not root, no ``unshare``), the test is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ParamSpec

import pytest

REPO = Path(__file__).resolve().parents[1]
INSIDE = os.environ.get("ARIA_IN_NETNS") == "1"
"""True in the child pytest that already runs inside the namespace."""

LOOPBACK_WITH_MULTICAST = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"

P = ParamSpec("P")


@functools.cache
def unavailable_reason() -> str | None:
    """Why no namespace can be made here, or None when one can."""
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (util-linux / iproute2)"
    probe = subprocess.run(
        ["unshare", "--net", "--", "sh", "-c", LOOPBACK_WITH_MULTICAST],
        capture_output=True, text=True, timeout=30, check=False,
    )
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip() or probe.returncode} (needs root)"
    return None


def in_network_namespace(test: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Run this async test inside its own network namespace (loopback only, multicast on)."""

    @functools.wraps(test)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        if INSIDE:
            await test(*args, **kwargs)
            return
        reason = unavailable_reason()
        if reason is not None:
            pytest.skip(reason)
        node_id = os.environ["PYTEST_CURRENT_TEST"].rsplit(" ", 1)[0]
        child = await asyncio.create_subprocess_exec(
            "unshare", "--net", "--", "sh", "-c", f'{LOOPBACK_WITH_MULTICAST} && exec "$@"', "sh",
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", node_id,
            cwd=REPO, env={**os.environ, "ARIA_IN_NETNS": "1"},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await child.communicate()
        text = output.decode(errors="replace")
        assert child.returncode == 0, f"inside the network namespace:\n{text[-6000:]}"
        assert " passed" in text, text[-2000:]

    return wrapper

