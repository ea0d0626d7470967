"""The one polling helper, for conditions the code under test cannot signal.

Where the code can signal (an ``asyncio.Event``, a future, a log handler, a queue), a test waits
on that with ``asyncio.wait_for(..., timeout)``. What is left is state another process owns (a
file it writes, a pid that exits, a log line it prints) or a snapshot with no event behind it;
for those, ``wait_until`` polls, never sleeps and then asserts, and fails naming what it waited for.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

TIMEOUT_S = 60.0
POLL_S = 0.02
"""Short: the condition is cheap, and a test should not wait longer than the code under test."""


async def wait_until(
    condition: Callable[[], Awaitable[Any] | Any], timeout: float = TIMEOUT_S, what: str = "the condition"
) -> Any:
    """Poll ``condition`` (sync or async) until it returns something truthy, and return that.

    AssertionError naming ``what`` after ``timeout`` seconds; an exception the condition raises
    (a process that died) ends the wait at once.
    """
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = condition()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(POLL_S)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}") from None
