"""Black-box: ``python -m aria_server`` as a user starts it."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

READY = re.compile(rb"Aria is ready: Wyoming tcp://127\.0\.0\.1:(\d+)")


async def test_bad_setting_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_server", "--data-dir", str(tmp_path), "--llm-backend", "chatgpt",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert b"llm.backend (--llm-backend)" in stderr
    assert b"'embedded', 'ollama', 'openai' or 'none'" in stderr


async def test_missing_voice_is_reported_at_start_up(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_server", "--data-dir", str(tmp_path), "--llm-backend", "none",
        "--no-zeroconf", "--wyoming-port", "0", "--http-port", "0", "--tts-voice", "xx_XX-nobody-low",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 2
    assert b"xx_XX-nobody-low" in stderr and b"not found" in stderr


async def test_serves_describe_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_server", "--data-dir", str(tmp_path), "--llm-backend", "none",
        "--no-zeroconf", "--wyoming-port", "0", "--http-port", "0",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        port = None
        while port is None:
            line = await asyncio.wait_for(process.stderr.readline(), 180)
            assert line, "server exited before it was ready"
            if match := READY.search(line):
                port = int(match.group(1))
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            event = await asyncio.wait_for(client.read_event(), 30)
            assert event is not None and Info.is_type(event.type)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.stderr.read(), 60)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
