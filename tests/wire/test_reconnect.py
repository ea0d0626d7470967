"""The one reconnect helper: backoff doubling, reset after a healthy run, early wake-up."""

from __future__ import annotations

import asyncio
import contextlib

from aria_wire.reconnect import Backoff, reconnecting


def test_backoff_doubles_up_to_the_maximum_and_resets_after_a_healthy_run() -> None:
    backoff = Backoff(initial=0.5, maximum=4.0, healthy_s=10.0)
    assert [backoff.next_delay(0.1) for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.next_delay(30.0) == 0.5


async def test_failures_are_retried_and_a_wake_cuts_the_wait_short() -> None:
    attempts: list[int] = []
    connected = asyncio.Event()
    wake = asyncio.Event()

    async def connect() -> None:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ConnectionRefusedError("not yet")
        connected.set()
        await asyncio.Event().wait()  # stays connected

    # A long backoff: only the wake event can make the third attempt come quickly.
    task = asyncio.create_task(reconnecting(connect, name="test", backoff=Backoff(0.01, 3600.0, 3600.0), wake=wake))
    while len(attempts) < 2:
        await asyncio.sleep(0.01)
    for _ in range(100):
        wake.set()
        if connected.is_set():
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(connected.wait(), 10)
    assert len(attempts) == 3
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
