"""``aria-bench ws`` against the real server: it runs both kinds of turn and reports them."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from .server_process import AriaProcess


async def test_aria_bench_ws_times_typed_and_spoken_turns(aria: AriaProcess, tmp_path: Path) -> None:
    out = tmp_path / "ws.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_bench", "ws", "--uri", aria.url, "--repeats", "1", "--warmup", "0",
        "--fast", "--json", str(out),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode == 0, stderr.decode()
    table = stdout.decode()
    for row in ("typed -> first audio frame", "end of speech -> first audio frame"):
        assert row in table
    turns = json.loads(out.read_text())["turns"]
    assert [t["kind"] for t in turns] == ["text", "spoken"]
    assert all(t["first_audio_ms"] is not None and t["reply"] for t in turns)
    assert turns[1]["transcript"].lower().startswith("what time is it")
