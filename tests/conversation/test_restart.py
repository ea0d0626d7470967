"""Black-box: a conversation survives ``kill -9`` of ``python -m aria_server``.

The first turn is committed when it ends; the server is then killed without any chance to
clean up, restarted on the same data directory, and the follow-up in the same conversation is
answered with the first turn in its prompt (the server logs how many past turns it sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled

from aria_server.store import Database, HistoryStore

from ..waiting import wait_until

READY = re.compile(r"Aria is ready: Wyoming tcp://127\.0\.0\.1:(\d+)")
WORKER = re.compile(r"worker pid (\d+)")
CONVERSATION = "kitchen-conversation"


class ServerProcess:
    """``python -m aria_server`` with its log read continuously (a full pipe would stall it)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.ready = asyncio.Event()
        self.port = 0
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            text = line.decode(errors="replace")
            self.lines.append(text)
            if match := READY.search(text):
                self.port = int(match.group(1))
                self.ready.set()

    def log(self) -> str:
        return "".join(self.lines)

    async def stop(self, sig: signal.Signals) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), 60)
        await asyncio.wait_for(self._reader, 30)
        return code


@contextlib.asynccontextmanager
async def aria(data_dir: Path) -> AsyncIterator[ServerProcess]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_server", "--data-dir", str(data_dir), "--no-zeroconf",
        "--wyoming-port", "0", "--http-port", "0", "--llm-backend", "embedded", "--llm-temperature", "0",
        "--llm-model", "qwen2.5-coder-0.5b-instruct",  # pinned: the 1.5B default would load twice here
        "--log-level", "DEBUG",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    server = ServerProcess(process)
    try:
        await asyncio.wait_for(server.ready.wait(), 240)
        yield server
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def ask(port: int, text: str) -> Handled:
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=60) as client:
        await client.write_event(
            Transcript(text=text, language="en", context={"conversation_id": CONVERSATION}).event()
        )
        while (event := await client.read_event()) is not None:
            if Handled.is_type(event.type):
                return Handled.from_event(event)
    raise AssertionError("the connection closed before handled")


async def test_history_survives_kill_9_and_the_follow_up_sees_it(tmp_path: Path) -> None:
    async with aria(tmp_path) as first_life:
        first = await ask(first_life.port, "What is the capital of France?")
        assert first.text
        worker = WORKER.search(first_life.log())
        assert worker, "the embedded model's worker process is logged"
        assert await first_life.stop(signal.SIGKILL) == -9
        # The model's worker notices its parent is gone (end of its input) and exits too.
        await wait_until(lambda: not psutil.pid_exists(int(worker.group(1))), 30, "the orphaned worker to exit")

    async with aria(tmp_path) as second_life:
        follow_up = await ask(second_life.port, "And what about Italy?")
        assert follow_up.text
        assert f"conversation {CONVERSATION}: embedded prompt with 1 past turn(s)" in second_life.log()
        assert await second_life.stop(signal.SIGTERM) == 0

    db = Database.in_data_dir(tmp_path)
    await db.open()
    try:
        turns = await HistoryStore(db).recent_turns(CONVERSATION)
    finally:
        await db.close()
    assert [(t.user_text, t.reply_text) for t in turns] == [
        ("What is the capital of France?", first.text),
        ("And what about Italy?", follow_up.text),
    ]
