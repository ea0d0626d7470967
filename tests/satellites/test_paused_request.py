"""A request with a thinking pause, heard through a real ``aria-satellite``, is heard once.

The clip is the endpointing benchmark's espeak-ng "Set a timer for... ten minutes." (a 0.6 s
pause after "for"), played by the satellite's file microphone with the benchmark's 0.3 s lead-in,
so the server gets exactly the audio ``aria-bench turn --clips paused`` gives it: the satellite's
echo canceller and high-pass filter included. On that audio Whisper's quick pass once heard
"Set a timer for 10 minutes 10 minutes" (every sample reached the server once; the full decode
of the same window was right), and the intent read it as a 20-minute timer.
"""

from __future__ import annotations

import wave
from pathlib import Path

from aria_bench.clips import PAUSED_MANIFEST, read_pcm16k
from tests.conftest import normalise

from .conftest import StartManager, StartSatellite
from .harness import wait_until
from .test_turns import ready, status

CLIP = PAUSED_MANIFEST.parent / "set_a_timer_for_ten_minutes-paused-espeak-us.wav"
LEAD_IN_S = 0.3
"""Silence before the clip, as ``aria-bench turn`` plays it."""


def _with_lead_in(path: Path) -> Path:
    pcm = bytes(int(LEAD_IN_S * 16_000) * 2) + read_pcm16k(CLIP)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(pcm)
    return path


async def test_a_paused_timer_request_is_heard_whole_and_once(
    tmp_path: Path, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    mic = _with_lead_in(tmp_path / "paused-espeak.wav")
    satellite = await start_satellite(
        "study", "--wake-word", "none", "--mic-file", str(mic), "--snd-file", str(tmp_path / "study.wav")
    )
    manager = await start_manager([satellite.uri])
    await ready(manager, satellite, "study")
    transcript = await satellite.wait_event(lambda e: e["event"] == "transcript")
    assert normalise(transcript["text"]) == "set a timer for ten minutes"
    await satellite.wait_event(lambda e: e["event"] == "played")
    turn = await wait_until(lambda: status(manager, "study")["last_turn"], what="last turn")
    assert "10 minutes" in turn["reply"] and "20" not in turn["reply"], turn["reply"]
