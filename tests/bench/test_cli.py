"""``aria-bench`` end to end against a real ``python -m aria_server``, plus its usage errors.

The figures are checked for sense (a transcript close to the reference, audio that arrives),
never for speed: speed is what the command reports, not what a test may assume.
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aria_bench import __main__ as bench_main
from aria_bench.__main__ import build_parser, main

READY = re.compile(rb"Aria is ready: Wyoming (tcp://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class RunningServer:
    """A real Aria server process on the bundled models."""

    uri: str
    pid: int


async def _drain(stream: asyncio.StreamReader, tail: collections.deque[bytes]) -> None:
    """Keep reading the server's log so that a full pipe never blocks it."""
    while line := await stream.readline():
        tail.append(line)


@pytest.fixture(scope="module")
async def aria_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("bench-server")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_server", "--no-zeroconf", "--wyoming-port", "0", "--http-port", "0",
        "--data-dir", str(data_dir), "--llm-backend", "none",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    tail: collections.deque[bytes] = collections.deque(maxlen=50)
    drain: asyncio.Task[None] | None = None
    try:
        uri = None
        while uri is None:
            line = await asyncio.wait_for(process.stderr.readline(), 180)
            assert line, "server exited before it was ready:\n" + b"".join(tail).decode(errors="replace")
            tail.append(line)
            if match := READY.search(line):
                uri = match.group(1).decode()
        drain = asyncio.create_task(_drain(process.stderr, tail), name="bench-test server log")
        yield RunningServer(uri=uri, pid=process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()
        if drain is not None:
            await asyncio.wait_for(drain, 30)


async def _bench(*args: str) -> str:
    """Run ``python -m aria_bench ARGS``; its stdout, after asserting exit status 0."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_bench", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 280)
    assert process.returncode == 0, stderr.decode(errors="replace")
    return stdout.decode()


async def test_stt_reports_latency_wer_and_memory(aria_server: RunningServer, tmp_path: Path) -> None:
    figures = tmp_path / "stt.json"
    stdout = await _bench(
        "stt", "--uri", aria_server.uri, "--no-realtime", "--repeats", "1", "--limit", "2",
        "--pid", str(aria_server.pid), "--json", str(figures),
    )
    data = json.loads(figures.read_text())
    assert len(data["requests"]) == 2
    assert data["summary"]["wer"] < 0.5
    assert all(request["latency_ms"] > 0 for request in data["requests"])
    assert data["summary"]["latency_ms"]["p95"] >= data["summary"]["latency_ms"]["median"] > 0
    assert data["rss"]["pid"] == aria_server.pid and data["rss"]["peak_sampled_bytes"] > 50 * 2**20
    assert "what_time_is_it" in stdout and "ALL" in stdout and "peak RSS" in stdout


@pytest.mark.parametrize("mode", [[], ["--streaming"]], ids=["synthesize", "streaming"])
async def test_tts_reports_first_audio_and_rtf(aria_server: RunningServer, tmp_path: Path, mode: list[str]) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("The kitchen light is on.\nIt is seven thirty. The front door is locked.\n", encoding="utf-8")
    figures = tmp_path / "tts.json"
    stdout = await _bench(
        "tts", "--uri", aria_server.uri, "--repeats", "1", "--texts", str(texts), "--json", str(figures), *mode
    )
    data = json.loads(figures.read_text())
    assert len(data["requests"]) == 2
    for request in data["requests"]:
        assert 0 < request["first_audio_ms"] <= request["total_ms"]
        assert request["audio_seconds"] > 0.5 and request["rtf"] > 0
    assert "first audio" in stdout and "ALL" in stdout


def test_handle_and_turn_are_always_listed() -> None:
    parser_help = build_parser().format_help()
    assert "handle" in parser_help and "turn" in parser_help


def test_a_reserved_name_without_its_module_refuses_to_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # handle and turn are written by others; a name with no module stands for them until then.
    monkeypatch.setattr(bench_main, "SUBCOMMANDS", (*bench_main.SUBCOMMANDS, "not_written_yet"))
    assert "not_written_yet" in build_parser().format_help()
    assert main(["not_written_yet", "--uri", "tcp://127.0.0.1:10700"]) == 2
    assert "reserved" in capsys.readouterr().err


def test_unreachable_server_is_a_clear_failure(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 is privileged and unused here: the connection is refused at once.
    assert main(["tts", "--uri", "tcp://127.0.0.1:1", "--repeats", "1", "--timeout", "10"]) == 1
    assert "cannot connect to tcp://127.0.0.1:1" in capsys.readouterr().err


def test_uri_must_be_tcp(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stt", "--uri", "http://localhost:10300", "--repeats", "1"]) == 1
    assert "tcp://HOST:PORT" in capsys.readouterr().err


def test_a_variant_that_is_not_shell_words_is_a_clear_failure(capsys: pytest.CaptureFixture[str]) -> None:
    """A prompt with an apostrophe inside single quotes: an error naming the variant, no traceback."""
    args = ["answers", "--uri", "tcp://127.0.0.1:0", "--start-server", "--variant", "p=--llm-system-prompt 'don't'"]
    assert main(args) == 1
    assert "--variant p: its options are not shell words" in capsys.readouterr().err
