"""Adversarial probes of a running ``aria-server`` (issue 13): the before/after figures.

Starts ``python -m aria_server`` from ``--tree`` (so an old checkout can be measured against a
new one), on 127.0.0.1 with free ports and a fresh data directory, runs one probe and prints
its figures as JSON. RSS is the server process's, sampled every 20 ms with psutil.

    python scripts/probe_reliability.py --probe tts --words 200            # item 1: one long synthesize
    python scripts/probe_reliability.py --probe freeze --chunks 3          # item 2: 10,000 dots per chunk
    python scripts/probe_reliability.py --probe sessions --connections 300 # item 3: audio-start floods
    python scripts/probe_reliability.py --probe silent-llm                 # item 4: an LLM that never answers

Loopback only; nothing here is a test (figures depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.ping import Ping
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

READY = re.compile(rb"Aria is ready: Wyoming tcp://127\.0\.0\.1:(\d+)")
MB = 2**20


class Server:
    """One aria-server child process and an RSS sampler over it."""

    def __init__(self, tree: Path, extra: list[str]) -> None:
        self.tree, self.extra = tree, extra
        self.data_dir = Path(tempfile.mkdtemp(prefix="aria-probe-"))
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.peak = 0
        self.log: list[bytes] = []
        self._sampler: asyncio.Task[None] | None = None
        self.ready_s: float | None = None

    async def start(self, wait_ready: float | None = 300) -> None:
        args = [sys.executable, "-m", "aria_server", "--data-dir", str(self.data_dir), "--no-zeroconf",
                "--wyoming-port", "0", "--http-port", "0", *self.extra]
        if "--llm-backend" not in self.extra:
            args += ["--llm-backend", "none"]
        started = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *args, cwd=self.tree, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        self._reader = asyncio.create_task(self._read_log(started))
        if wait_ready is not None:
            async with asyncio.timeout(wait_ready):
                while not self.port:
                    if self.process.returncode is not None:
                        raise RuntimeError(b"".join(self.log[-20:]).decode(errors="replace"))
                    await asyncio.sleep(0.05)
        self._sampler = asyncio.create_task(self._sample())

    async def _read_log(self, started: float) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line)
            if match := READY.search(line):
                self.port = int(match.group(1))
                self.ready_s = time.perf_counter() - started

    async def _sample(self) -> None:
        assert self.process is not None
        proc = psutil.Process(self.process.pid)
        while True:
            try:
                self.peak = max(self.peak, proc.memory_info().rss)
            except psutil.Error:
                return
            await asyncio.sleep(0.02)

    def rss(self) -> int:
        assert self.process is not None
        try:
            return int(psutil.Process(self.process.pid).memory_info().rss)
        except psutil.Error:
            return 0

    async def stop(self) -> float:
        """SIGTERM; seconds until it exited (killed after 20 s: then 20+)."""
        assert self.process is not None
        if self._sampler is not None:
            self._sampler.cancel()
        if self.process.returncode is not None:
            return 0.0
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(20):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return float("inf")
        return time.perf_counter() - started


async def _connect(port: int, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0), limit=2**20)


async def probe_tts(server: Server, words: int, limit_gb: float) -> dict[str, Any]:
    text = " ".join(["the", "red", "lamp", "is", "on", "in", "the", "hall"] * (words // 8 + 1))
    text = " ".join(text.split()[:words])
    reader, writer = await _connect(server.port)
    before = server.rss()
    server.peak = before
    started = time.perf_counter()
    await async_write_event(Synthesize(text=text).event(), writer)
    outcome, audio = "closed", 0

    async def read() -> None:
        nonlocal outcome, audio
        while (event := await async_read_event(reader)) is not None:
            if event.type == "audio-chunk":
                audio += len(event.payload or b"")
            if event.type in ("audio-stop", "error"):
                outcome = event.type if event.type == "audio-stop" else f"error {event.data.get('code')}"
                return

    reading = asyncio.create_task(read())
    while not reading.done():
        await asyncio.sleep(0.1)
        if server.peak > limit_gb * 2**30:
            outcome = f"server killed at {server.peak / MB:.0f} MB (guard {limit_gb} GB)"
            assert server.process is not None
            server.process.kill()
            reading.cancel()
            break
    seconds = time.perf_counter() - started
    writer.close()
    await asyncio.sleep(3)
    return {"words": words, "chars": len(text), "outcome": outcome, "audio_s": round(audio / 44_100, 1),
            "wall_s": round(seconds, 1), "rss_before_mb": before // MB, "rss_peak_mb": server.peak // MB,
            "rss_after_mb": server.rss() // MB}


async def probe_freeze(server: Server, chunks: int) -> dict[str, Any]:
    p_reader, p_writer = await _connect(server.port)
    worst = 0.0
    pings = 0
    done = asyncio.Event()

    async def pinger() -> None:
        nonlocal worst, pings
        while not done.is_set():
            sent = time.perf_counter()
            await async_write_event(Ping(text="x").event(), p_writer)
            await async_read_event(p_reader)
            worst = max(worst, time.perf_counter() - sent)
            pings += 1
            await asyncio.sleep(0.02)

    ping_task = asyncio.create_task(pinger())
    await asyncio.sleep(0.5)
    reader, writer = await _connect(server.port)
    started = time.perf_counter()
    await async_write_event(SynthesizeStart().event(), writer)
    for _ in range(chunks):
        await async_write_event(SynthesizeChunk(text="." * 10_000).event(), writer)
    await async_write_event(SynthesizeStop().event(), writer)
    errors = []
    try:
        async with asyncio.timeout(300):
            while (event := await async_read_event(reader)) is not None:
                if event.type == "error":
                    errors.append(event.data.get("code"))
                if event.type == "synthesize-stopped":
                    break
    except TimeoutError:
        errors.append("no synthesize-stopped within 300 s")
    await asyncio.sleep(0.5)
    done.set()
    await ping_task
    return {"chunks": chunks, "worst_ping_s": round(worst, 3), "pings": pings, "errors": errors,
            "stream_s": round(time.perf_counter() - started, 2)}


async def probe_sessions(server: Server, connections: int) -> dict[str, Any]:
    chunk = AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(16_000)).event()
    before = server.rss()
    held: list[asyncio.StreamWriter] = []
    refused = 0
    for n in range(connections):
        reader, writer = await _connect(server.port, f"127.0.0.{n // 16 + 1}")
        try:
            await async_write_event(AudioStart(rate=16_000, width=2, channels=1).event(), writer)
            await async_write_event(chunk, writer)
            await async_write_event(Ping(text="p").event(), writer)
            event: Event | None = await asyncio.wait_for(async_read_event(reader), 30)
        except (TimeoutError, ConnectionError):
            event = None  # a refused connection may be closed before our writes land
        if event is None or event.type == "error":
            refused += 1
            writer.close()
        else:
            held.append(writer)
    during = server.rss()
    for writer in held:
        writer.close()
    await asyncio.sleep(5)
    return {"connections": connections, "served": len(held), "refused": refused, "rss_before_mb": before // MB,
            "rss_during_mb": during // MB, "rss_after_leaving_mb": server.rss() // MB}


async def probe_silent_llm(tree: Path, sigterm_after_s: float | None) -> dict[str, Any]:
    contacted = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        contacted.set()
        await reader.read()

    silent = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    server = Server(tree, ["--llm-backend", "openai", "--llm-url", f"http://127.0.0.1:{port}/v1", "--llm-model", "x"])
    started = time.perf_counter()
    await server.start(wait_ready=None)
    result: dict[str, Any] = {}
    try:
        async with asyncio.timeout(120):
            await contacted.wait()
        result["llm_contacted_s"] = round(time.perf_counter() - started, 1)
        if sigterm_after_s is not None:
            await asyncio.sleep(sigterm_after_s)
            result["ready_before_sigterm"] = bool(server.port)
            stop_s = await server.stop()
            result["exit_after_sigterm_s"] = round(stop_s, 1) if stop_s != float("inf") else "did not exit in 20 s (killed)"
            return result
        async with asyncio.timeout(120):
            while not server.port:
                await asyncio.sleep(0.05)
        result["ready_s"] = round(server.ready_s or 0, 1)
    except TimeoutError:
        result["ready_s"] = "not ready after 120 s"
    finally:
        stop_s = await server.stop()
        result.setdefault("exit_after_sigterm_s", round(stop_s, 1) if stop_s != float("inf") else "did not exit in 20 s (killed)")
        for writer in held:
            writer.close()
        silent.close()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=Path.cwd(), help="checkout whose aria_server runs")
    parser.add_argument("--probe", choices=["tts", "freeze", "sessions", "silent-llm"], required=True)
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=1)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--limit-gb", type=float, default=4.0, help="tts: kill the server past this RSS")
    parser.add_argument("--sigterm-after", type=float, default=None, help="silent-llm: SIGTERM this long after the LLM is contacted")
    parser.add_argument("--server-arg", action="append", default=[], help="extra aria-server argument (repeatable)")
    args = parser.parse_args()
    if args.probe == "silent-llm":
        result = await probe_silent_llm(args.tree, args.sigterm_after)
    else:
        server = Server(args.tree, args.server_arg)
        await server.start()
        try:
            if args.probe == "tts":
                result = await probe_tts(server, args.words, args.limit_gb)
            elif args.probe == "freeze":
                result = await probe_freeze(server, args.chunks)
            else:
                result = await probe_sessions(server, args.connections)
        finally:
            await server.stop()
    print(json.dumps({"tree": str(args.tree), "probe": args.probe, **result}))


if __name__ == "__main__":
    asyncio.run(main())
