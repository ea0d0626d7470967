"""The one place where blocking work leaves the event loop.

Each model owns an executor (a single thread where the model is not thread-safe), so one slow
model cannot starve another and the loop only moves audio and events.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def model_executor(name: str, threads: int = 1) -> ThreadPoolExecutor:
    """An executor for one model; threads are named after it so stack dumps explain themselves."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"aria-{name}")


async def run_blocking(
    executor: Executor | None, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run ``fn`` in ``executor`` (the default pool when None) and await its result."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return await loop.run_in_executor(executor, call)
