"""The parent's end of the embedded model's worker process (``llama_worker.py``).

Requests go out as JSON lines on the child's stdin; a reader task routes each answer line to
the queue of the request with its ``id``. All of it is asyncio pipes: nothing blocks the loop
and no thread is needed. When the child exits, every open request gets an ``exited`` error.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
import time
from typing import Any

_LOGGER = logging.getLogger(__name__)

Message = dict[str, Any]

WORKER_MODULE = "aria_server.llm.llama_worker"
LINE_LIMIT = 1 << 20
"""Longest answer line accepted, bytes (a tokenize answer for a long history is the largest)."""


class WorkerProcess:
    """One child process; ``request`` returns the queue its answers arrive on."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._queues: dict[int, asyncio.Queue[Message]] = {}
        self._ids = itertools.count(1)
        self.last_output_at = 0.0
        """Monotonic time of the child's last answer line (progress, for queued turns)."""

    @property
    def alive(self) -> bool:
        """True while the child runs and its output is read."""
        return self._process is not None and self._process.returncode is None and self._reader is not None and not self._reader.done()

    @property
    def pid(self) -> int | None:
        """The child's process id (for logs and memory figures)."""
        return self._process.pid if self._process is not None else None

    async def spawn(self) -> None:
        """Start the child (its stderr is the server's, so llama.cpp's messages land in the log)."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", WORKER_MODULE,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=LINE_LIMIT,
        )
        self._reader = asyncio.create_task(self._read_answers(), name=f"llama-worker {self._process.pid} reader")

    async def _read_answers(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        try:
            while line := await process.stdout.readline():
                self.last_output_at = time.monotonic()
                message: Message = json.loads(line)
                queue = self._queues.get(message.get("id", -1))
                if queue is not None:  # answers to forgotten (cancelled) requests are dropped
                    queue.put_nowait(message)
        finally:
            code = await process.wait()
            if self._queues:
                _LOGGER.error("the embedded model process exited (code %s) with %d request(s) open", code, len(self._queues))
            for rid, queue in self._queues.items():
                queue.put_nowait({"op": "error", "id": rid, "exited": True, "message": f"model process exited ({code})"})

    async def request(self, message: Message) -> tuple[int, asyncio.Queue[Message]]:
        """Send ``message`` with a fresh id; answers arrive on the returned queue until ``forget``."""
        if not self.alive:
            raise ConnectionError("the model process is not running")
        assert self._process is not None and self._process.stdin is not None
        rid = next(self._ids)
        queue: asyncio.Queue[Message] = asyncio.Queue()
        self._queues[rid] = queue
        self._process.stdin.write((json.dumps({**message, "id": rid}) + "\n").encode())
        await self._process.stdin.drain()
        return rid, queue

    def cancel(self, rid: int) -> None:
        """Ask the child to stop request ``rid`` (no wait: it stops between two tokens)."""
        if self.alive:
            assert self._process is not None and self._process.stdin is not None
            self._process.stdin.write((json.dumps({"op": "cancel", "id": rid}) + "\n").encode())

    def forget(self, rid: int) -> None:
        """Stop routing answers of ``rid``."""
        self._queues.pop(rid, None)

    async def close(self, timeout: float = 10.0) -> None:
        """End of input tells the child to exit; it is killed if it does not within ``timeout``."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            async with asyncio.timeout(timeout):
                await process.wait()
        except TimeoutError:
            _LOGGER.warning("the embedded model process %d did not exit; killing it", process.pid)
            process.kill()
            await process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
