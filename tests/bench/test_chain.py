"""``aria-bench chain`` end to end against real servers: STT, then llama.cpp's server, then TTS.

The peers (wyoming-faster-whisper, wyoming-piper) are not installed in CI, so Aria's own
Wyoming server (the session's, on the bundled models) stands in for both; any Wyoming STT and
TTS server is driven the same way. The language model is a real ``python -m llama_cpp.server``
on the tiny bundled test GGUF (SmolLM2). The figures are checked for sense, never for speed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from aria_bench.__main__ import build_parser
from aria_bench.chain import STAGES

from ..conftest import normalise
from ..llm.servers import RunningServer


async def _bench(*args: str) -> tuple[int, str, str]:
    """``python -m aria_bench ARGS``: (exit status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_bench", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 240)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode(errors="replace")


async def test_chain_times_each_clip_through_stt_llm_and_tts(
    wyoming_uri: str, llama_server: RunningServer, gguf: Path, tmp_path: Path
) -> None:
    server = llama_server
    figures = tmp_path / "chain.json"
    status, stdout, stderr = await _bench(
        "chain", "--uri", wyoming_uri, "--tts-uri", wyoming_uri, "--llm-url", f"{server.url}/v1",
        "--limit", "2", "--repeats", "1", "--warmup", "1", "--llm-temperature", "0", "--json", str(figures),
    )
    assert status == 0, stderr
    data = json.loads(figures.read_text())
    assert data["command"] == "chain" and data["uri"] == wyoming_uri
    assert data["options"]["llm_model"] == str(gguf), "without --llm-model the server's first model is used"
    requests = data["requests"]
    assert [r["clip"] for r in requests] == ["what_time_is_it", "turn_on_the_kitchen_light"]
    for request in requests:
        # What was said came back as text, the model answered it in words, and that was spoken.
        assert normalise(request["transcript"]) == normalise(request["reference"])
        assert any(c.isalpha() for c in request["reply"]) and "\n" not in request["reply"]
        assert not request["reply"].startswith(("User:", "Aria:"))
        assert request["reply_audio_s"] > 0.2
        # Every stage was timed, and the sequential chain holds them all before the first audio.
        assert set(request["stages_ms"]) == set(STAGES)
        assert all(value > 0 for value in request["stages_ms"].values())
        stages = request["stages_ms"]
        assert request["first_audio_ms"] >= stages["stt"] + stages["llm"] + stages["tts"]
        assert 0 < request["speech_end_s"] < request["audio_seconds"]
    summary = data["summary"]
    for key in ("first_audio_ms", *(f"{stage}_ms" for stage in STAGES)):
        assert summary[key]["n"] == 2 and summary[key]["p95"] >= summary[key]["median"] > 0
    assert set(summary["per_clip"]) == {"what_time_is_it", "turn_on_the_kitchen_light"}
    assert "what_time_is_it" in stdout and "ALL" in stdout and "first audio" in stdout
    assert "0.4 x" in stdout


async def test_an_unreachable_language_model_fails_before_any_clip(wyoming_uri: str) -> None:
    # Port 1 is privileged and unused here: the connection is refused at once.
    status, _, stderr = await _bench(
        "chain", "--uri", wyoming_uri, "--tts-uri", wyoming_uri, "--llm-url", "http://127.0.0.1:1/v1",
        "--repeats", "1", "--timeout", "10",
    )
    assert status == 1
    assert "cannot reach the LLM at http://127.0.0.1:1/v1/models" in stderr


def test_chain_is_a_subcommand() -> None:
    assert "chain" in build_parser().format_help()
