"""End of speech -> first reply audio at a real satellite, through three paths, in one run.

Run inside the tier's namespace by ``bench_paths.py`` (``python -m tests.homeassistant.paths``),
next to the tier's Home Assistant. One Aria server (its defaults and bundled models, Home
Assistant as its home) serves all three paths:

- ``aria-wyoming``: the satellite connected to Aria's server (``--satellite``), as ``aria-bench turn``;
- ``ha-esphome``: the satellite added to Home Assistant with the ESPHome config flow (a key set);
- ``ha-wyoming``: the satellite added to Home Assistant with the Wyoming config flow;

both Home Assistant paths run Home Assistant's pipeline with Aria for speech-to-text, agent and
text-to-speech (added with the Wyoming config flow, the preferred pipeline).

Every turn is ``aria_bench.turn.TurnBench.run_clip``: a fresh ``aria-satellite --wake-word none
--mic-file CLIP`` whose clip starts at its first ``run-satellite`` (Home Assistant reconnects to a
restarted satellite by itself; the clip's lead silence lets its connection settle). End of speech
is the same for all three: the clip's last voiced sample on the satellite's clock
(``mic-file-start`` + the sample's offset); first reply audio is the satellite's
``playback-started``. ``paths_report`` splits the time into stages.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from aria_bench.children import Child, records, wait_record
from aria_bench.clips import Clip, read_pcm16k, silence
from aria_bench.turn import TurnBench
from tests.waiting import wait_until

from . import paths_report
from .conftest import CLIPS
from .harness import HA_PORT, TIMEOUT_S, HomeAssistant, HomeAssistantWs
from .test_esphome_satellite import add_esphome, new_runs, run_ids

ARIA_WYOMING_PORT = 10420
ARIA_SATELLITE_PORT = 10421
ESPHOME_PORT = 6063
ESPHOME_WYOMING_PORT = 10422
"""The ESPHome satellite's own Wyoming server (nobody connects to it)."""
HA_WYOMING_SATELLITE_PORT = 10423
KEY = base64.b64encode(bytes(range(1, 33))).decode()
LEAD_S = 1.7
"""Silence before each clip's speech (TurnBench adds 0.3 s more): a restarted satellite's Home
Assistant connection settles before the turn starts. The same for every path."""
CLIP_SET = (("what_time_is_it.wav", "What time is it?", "time"),
            ("turn_on_the_kitchen_light.wav", "Turn on the kitchen light.", "home"))
"""The bundled clips: a question and a home command (Aria answers both without its language model)."""
PATHS = ("aria-wyoming", "ha-esphome", "ha-wyoming")


class LocalHomeAssistant(HomeAssistant):
    """The tier's Home Assistant reached directly (this process runs inside its namespace)."""

    def __init__(self, token: str, release: str) -> None:  # noqa: D107 - no process or bridge here
        self.release = release
        self.token = token
        self.http = aiohttp.ClientSession(
            base_url=f"http://127.0.0.1:{HA_PORT}", timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
        )

    async def delete_entry(self, entry_id: str) -> None:
        async with self.http.delete(
            f"/api/config/config_entries/entry/{entry_id}", headers={"Authorization": f"Bearer {self.token}"}
        ) as response:
            await self._json(response)

    async def stop(self) -> None:
        await self.http.close()


class EsphomeBench(TurnBench):
    """``TurnBench`` whose satellite speaks the ESPHome API too (one name, key and identity)."""

    async def start_satellite(
        self, clip_wav: Path, name: str, port: int | None = None, wake: str = "none"
    ) -> tuple[Child, Path, Path]:
        log, out = self.work / f"{name}.jsonl", self.work / f"{name}.wav"
        key = self.work / "esphome.key"
        key.write_text(KEY + "\n")
        key.chmod(0o600)
        # One name and data directory (the device's MAC-like id) for every run: the same device
        # in Home Assistant, which reconnects to it; the run's name is its files' only.
        child = await Child.start(
            sys.executable, "-m", "aria_satellite", "--name", "paths-esphome", "--host", "127.0.0.1",
            "--port", str(self.port if port is None else port), "--no-zeroconf", "--esphome-port", str(ESPHOME_PORT),
            "--esphome-key-file", str(key), "--data-dir", str(self.work / "satellite-data"), "--wake-word", wake,
            "--mic-file", str(clip_wav), "--snd-file", str(out), "--timing-log", str(log),
        )
        await wait_record(log, child, "ready", 60)
        return child, log, out


def bench_args(args: argparse.Namespace, satellite_port: int, server_args: Sequence[str] = ()) -> argparse.Namespace:
    """What ``TurnBench`` reads of ``aria-bench turn``'s options."""
    return argparse.Namespace(
        uri=f"tcp://127.0.0.1:{ARIA_WYOMING_PORT}", satellite_port=satellite_port, http=None, start_server=False,
        server_arg=list(server_args), timeout=args.timeout,
    )


def make_clips(work: Path) -> list[Clip]:
    """The bundled clips with ``LEAD_S`` of silence in front."""
    clips = []
    for file, reference, kind in CLIP_SET:
        path = work / file
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(16_000)
            wav.writeframes(silence(LEAD_S) + read_pcm16k(CLIPS / file))
        clips.append(Clip(name=path.stem, path=path, reference=reference, kind=kind))
    return clips


async def add_to_home_assistant(ha: LocalHomeAssistant, bench: TurnBench, path: str) -> dict[str, Any]:
    """A satellite with a silent microphone added to Home Assistant (the path's config flow),
    until Home Assistant runs it; then stopped (each turn starts its own). The entry."""
    quiet = bench.work / "quiet.wav"
    with wave.open(str(quiet), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(silence(1.0))
    child, log, _ = await bench.start_satellite(quiet, f"{path}-setup")
    try:
        if path == "ha-esphome":
            entry = await add_esphome(ha, ESPHOME_PORT, KEY)
        else:
            entry = await ha.add_wyoming(HA_WYOMING_SATELLITE_PORT)
        await wait_record(log, child, "mic-start", TIMEOUT_S)  # the first run-satellite started its microphone
    finally:
        await child.stop()
    return entry


async def run_path(
    path: str, bench: TurnBench, clips: list[Clip], args: argparse.Namespace,
    ws: HomeAssistantWs | None, pipeline: str | None,
) -> list[paths_report.PathRun]:
    """Warm-up turns, then ``--repeats`` passes over the clips through one path."""
    for _ in range(args.warmup):
        await bench.run_clip(clips[0])
    runs = []
    for _ in range(args.repeats):
        for clip in clips:
            before = await run_ids(ws, pipeline) if ws is not None and pipeline is not None else []
            try:
                result = await bench.run_clip(clip)
            except Exception as err:  # noqa: BLE001 - one failed turn is reported, the others still count
                runs.append(paths_report.PathRun(path, clip.kind or clip.name, error=repr(err)))
                continue
            events = await new_runs(ws, pipeline, before) if ws is not None and pipeline is not None else []
            log = records(bench.work / f"bench-{bench.count}.jsonl")
            runs.append(paths_report.path_run(path, result, log, events))
    return runs


async def ha_path(
    path: str, ha: LocalHomeAssistant, ws: HomeAssistantWs, pipeline: str, clips: list[Clip], args: argparse.Namespace
) -> list[paths_report.PathRun]:
    """One Home Assistant path: the satellite added, its turns, its entry removed."""
    work = args.work / path
    work.mkdir(parents=True, exist_ok=True)
    if path == "ha-esphome":
        bench: TurnBench = EsphomeBench(bench_args(args, ESPHOME_WYOMING_PORT), work)
    else:
        bench = TurnBench(bench_args(args, HA_WYOMING_SATELLITE_PORT), work)
    entry = await add_to_home_assistant(ha, bench, path)
    try:
        return await run_path(path, bench, clips, args, ws, pipeline)
    finally:
        await ha.delete_entry(entry["entry_id"])


async def aria_pipeline(ha: LocalHomeAssistant, ws: HomeAssistantWs) -> str:
    """Aria added with the Wyoming config flow; a pipeline with Aria for every stage, preferred."""
    entry = await ha.add_wyoming(ARIA_WYOMING_PORT)
    entities = await ha.entities_of(ws, entry["entry_id"])

    def one(domain: str) -> str:
        (found,) = [e for e in entities if e.startswith(f"{domain}.")]
        return found

    pipeline = await ha.create_pipeline(ws, "Aria (paths)", conversation=one("conversation"), stt=one("stt"), tts=one("tts"))
    await ws.call("assist_pipeline/pipeline/set_preferred", pipeline_id=pipeline)
    return pipeline


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """All three paths against one Aria server; the report's data."""
    clips = make_clips(args.work)
    server_args = [f"--ha-url=http://127.0.0.1:{HA_PORT}", f"--ha-token-file={args.ha_token_file}",
                   "--llm-first-token-timeout-s=120"]
    aria_work = args.work / "aria-wyoming"
    aria_work.mkdir(parents=True, exist_ok=True)
    aria = TurnBench(bench_args(args, ARIA_SATELLITE_PORT, server_args), aria_work)
    ha = LocalHomeAssistant(args.ha_token_file.read_text().strip(), args.release)
    runs: list[paths_report.PathRun] = []
    impossible: dict[str, str] = {}
    load_before = os.getloadavg()
    await aria.start_server()  # --satellite at the Aria path's port; its HTTP API gives the spans
    try:
        ws = await ha.websocket()
        pipeline = await aria_pipeline(ha, ws)
        for path in args.paths:
            began = time.monotonic()
            try:
                if path == "aria-wyoming":
                    runs += await run_path(path, aria, clips, args, None, None)
                else:
                    runs += await ha_path(path, ha, ws, pipeline, clips, args)
            except Exception as err:  # noqa: BLE001 - a path that cannot run is reported, the others still run
                impossible[path] = f"{type(err).__name__}: {err}"[:2000]
            print(f"{path}: {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
        await ws.close()
    finally:
        if aria.server is not None:
            await aria.server.stop()
        await ha.stop()
    return paths_report.report(args.release, runs, impossible, args, load_before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", required=True, help="the Home Assistant release (for the report)")
    parser.add_argument("--ha-token-file", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="a directory for clips, logs and data")
    parser.add_argument("--repeats", type=int, default=5, help="measured passes over the clips per path")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured turns first, per path")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one turn may take")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data = asyncio.run(run(args))
    args.json.write_text(json.dumps(data, indent=2) + "\n")
    print(data["text"])


if __name__ == "__main__":
    main()
