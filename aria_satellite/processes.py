"""Ending the satellite's audio programs (``--mic-command``, ``--snd-command``) within bounded time."""

from __future__ import annotations

import asyncio
import contextlib

STOP_GRACE_S = 2.0
"""How long a program may take to exit before it is killed, s."""


async def wait_or_kill(proc: asyncio.subprocess.Process, grace_s: float = STOP_GRACE_S) -> None:
    """Wait up to ``grace_s`` for ``proc`` to exit, then SIGKILL it (a frozen one never exits)."""
    try:
        async with asyncio.timeout(grace_s):
            await proc.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
