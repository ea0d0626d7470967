"""``aria-bench turn`` counts premature ends of turn, on a real server and a real satellite.

The control, as in tests/stt/test_end_of_turn.py: the same paused request ("Set a timer for"
... 0.6 s ... "ten minutes.") is counted as cut off when the pause judgement is off (no
end-of-turn model, no hanging-word rule) and not when it is on. Both runs end a plain turn
after 400 ms of silence instead of 600 so that the 0.6 s pause is longer than it by a margin
no scheduling delay closes; with the judgement on, the hanging "for" makes the turn wait
``vad.incomplete_turn_end_ms`` (1200 ms) instead. Figures are not checked for speed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from aria_bench.clips import PAUSED_MANIFEST, format_pauses, load_manifest

JUDGEMENT_OFF = ("--server-arg=--vad-end-of-turn-model=none", "--server-arg=--vad-incomplete-turn-end-ms=0")


async def _turn_bench(tmp_path: Path, *options: str) -> tuple[dict, str]:
    """One pass of ``aria-bench turn --start-server`` over the paused timer request: (JSON, stdout).

    A manifest of that one clip (the shipped WAV) keeps the run short."""
    [clip] = [c for c in load_manifest(PAUSED_MANIFEST) if c.name == "set_a_timer_for_ten_minutes-paused-piper"]
    manifest = tmp_path / "clips.tsv"
    manifest.write_text(
        "\t".join([str(clip.path), clip.reference, str(clip.kind), format_pauses(clip.pauses), str(clip.voice)]) + "\n",
        encoding="utf-8",
    )
    figures = tmp_path / "turn.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_bench", "turn", "--uri", "tcp://127.0.0.1:0", "--start-server",
        "--clips", str(manifest), "--repeats", "1", "--warmup", "0", "--json", str(figures),
        "--server-arg=--llm-backend=none", "--server-arg=--vad-end-of-speech-ms=400", *options,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 280)
    assert process.returncode == 0, stderr.decode(errors="replace")
    return json.loads(figures.read_text()), stdout.decode()


@pytest.mark.timeout(300)
async def test_with_the_pause_judgement_the_paused_request_is_heard_whole(tmp_path: Path) -> None:
    data, stdout = await _turn_bench(tmp_path)
    [run] = data["runs"]
    assert data["cut_off"] == 0 and run["cut_off"] is None
    assert "minutes" in run["transcript"].lower() and run["turn_end_ms"] > 0
    assert data["kinds"] == {"paused-local": {"n": 1, "cut_off": 0}}
    assert "paused-local" in stdout and "cut off: 0 of 1 turns" in stdout and "first audio" in stdout
    # Which decode made the transcript is reported per kind (here the quick pass heard a whole timer).
    made = "whole request" if run["stt"]["first_pass"] else "first pass" if run["stt"]["at_pause"] else "full"
    assert f"transcripts, paused-local: {made} 1" in stdout


@pytest.mark.timeout(300)
async def test_without_it_the_same_request_is_counted_as_cut_off(tmp_path: Path) -> None:
    data, stdout = await _turn_bench(tmp_path, *JUDGEMENT_OFF)
    [run] = data["runs"]
    assert data["cut_off"] == 1 and run["cut_off"] is not None
    assert run["turn_end_ms"] < 0  # the server stopped listening in the pause
    assert data["kinds"] == {"paused-local": {"n": 1, "cut_off": 1}}
    assert "paused-local" in stdout and "cut off: 1 of 1 turns" in stdout
    assert "set_a_timer_for_ten_minutes-paused-piper: turn ended before the speech did" in stdout
