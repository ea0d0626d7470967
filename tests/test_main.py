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


# -- a language model that accepts connections and never answers (issue 13, item 4) --

HTTP_READY = re.compile(rb"HTTP API on (http://127\.0\.0\.1:\d+)")


async def _silent_server() -> tuple[asyncio.Server, list[asyncio.StreamWriter], asyncio.Event]:
    """A TCP server that accepts, reads, and never answers: the hung LLM server of the issue."""
    held: list[asyncio.StreamWriter] = []
    contacted = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        contacted.set()
        await reader.read()  # until the client leaves

    return await asyncio.start_server(hold, "127.0.0.1", 0), held, contacted


def _aria_with_llm(tmp_path: Path, port: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "aria_server", "--data-dir", str(tmp_path), "--no-zeroconf",
        "--wyoming-port", "0", "--http-port", "0", "--llm-backend", "openai",
        "--llm-url", f"http://127.0.0.1:{port}/v1", "--llm-model", "silent", *extra,
    ]


async def test_a_silent_llm_server_does_not_stop_the_start(tmp_path: Path) -> None:
    import httpx

    silent, held, contacted = await _silent_server()
    port = silent.sockets[0].getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        *_aria_with_llm(tmp_path, port, "--llm-start-timeout-s", "2"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        wyoming_port = http_url = None
        while wyoming_port is None:
            line = await asyncio.wait_for(process.stderr.readline(), 180)
            assert line, "server exited before it was ready"
            if match := HTTP_READY.search(line):
                http_url = match.group(1).decode()
            if match := READY.search(line):
                wyoming_port = int(match.group(1))
        assert contacted.is_set() and http_url is not None
        async with AsyncTcpClient("127.0.0.1", wyoming_port) as client:  # STT/TTS are up
            await client.write_event(Describe().event())
            event = await asyncio.wait_for(client.read_event(), 30)
            assert event is not None and Info.is_type(event.type)
        async with httpx.AsyncClient() as http:
            health = (await http.get(f"{http_url}/health", timeout=30)).json()
        llm = health["stages"]["llm"]
        assert llm["status"] == "down" and "within 2 s" in llm["last_error"]
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.stderr.read(), 60)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for writer in held:
            writer.close()
        silent.close()


async def test_sigterm_during_start_up_stops_the_process(tmp_path: Path) -> None:
    silent, held, contacted = await _silent_server()
    port = silent.sockets[0].getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        *_aria_with_llm(tmp_path, port, "--llm-start-timeout-s", "600"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        # Once the LLM warm-up has reached the silent server, start-up is stuck there.
        await asyncio.wait_for(contacted.wait(), 180)
        process.send_signal(signal.SIGTERM)
        stderr = await asyncio.wait_for(process.stderr.read(), 60)
        assert await asyncio.wait_for(process.wait(), 60) == 0
        assert b"stopping now" in stderr and b"Aria is ready" not in stderr
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for writer in held:
            writer.close()
        silent.close()
