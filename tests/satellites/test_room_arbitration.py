"""Two real satellites hear one utterance, one near and one in the next room: the near one answers.

Each satellite is a real ``aria-satellite`` process whose microphone is a test feeder; both hear
the same Piper clip over the same room noise, the near one 6 dB below the clip's level and the
far one 20 dB below, so the near one has the better speech level and SNR at the wake word.
microWakeWord's scores saturate (0.94-0.99 for both), so only a deliberate ranking (SNR, then
level) makes the choice every time; each repetition uses a fresh noise, so the wake scores vary.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from .conftest import StartManager, StartSatellite
from .harness import ClipMaker, wait_until
from .test_turns import ready, satellite_with_feeder

REPEATS = 10
NEAR_GAIN = 10 ** (-6 / 20)
FAR_GAIN = 10 ** (-20 / 20)
NOISE_DBFS = -55.0
"""Room noise both microphones hear (white, RMS): a quiet house."""


def _noisy(speech: np.ndarray, gain: float, seed: int, path: Path) -> Path:
    """``speech`` at ``gain`` after 4 s of noise (the satellite's noise history is 3 s before the
    word: the feeder's digital silence between clips must not be in it), noise under it and 0.5 s after."""
    lead, tail = 4 * 16_000, 8_000
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(lead + len(speech) + tail) * 32768 * 10 ** (NOISE_DBFS / 20)
    mixed = noise
    mixed[lead : lead + len(speech)] += speech.astype(np.float64) * gain
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(np.clip(mixed, -32768, 32767).astype(np.int16).tobytes())
    return path


async def test_the_nearer_of_two_rooms_answers_every_time(
    tmp_path: Path, clips: ClipMaker, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    near, near_mic = await satellite_with_feeder(start_satellite, tmp_path, "near")
    far, far_mic = await satellite_with_feeder(start_satellite, tmp_path, "far")
    manager = await start_manager([near.uri, far.uri])
    await ready(manager, near, "near")
    await ready(manager, far, "far")
    speech = np.concatenate([clips.speech("Okay, Nabu."), np.zeros(4_800, np.int16), clips.speech("What time is it?")])
    answered: list[str] = []
    snrs: list[dict[str, float]] = []
    for repeat in range(REPEATS):
        marks = {sat.name: len(sat.events()) for sat in (near, far)}
        near_mic.say(_noisy(speech, NEAR_GAIN, repeat, tmp_path / f"near-{repeat}.wav"))
        far_mic.say(_noisy(speech, FAR_GAIN, 1000 + repeat, tmp_path / f"far-{repeat}.wav"))
        count = 2 * (repeat + 1)
        turns = await wait_until(lambda: len(manager.recent_turns) >= count and list(manager.recent_turns), what="2 turns")
        outcome = {turn["satellite"]: turn["outcome"] for turn in turns[count - 2 : count]}
        assert sorted(outcome) == ["far", "near"], outcome  # both heard the wake word: a real arbitration
        assert sorted(outcome.values()) == ["done", "stood-down"], outcome
        snrs.append({turn["satellite"]: turn["wake_snr_db"] for turn in turns[count - 2 : count]})
        winner, loser = (near, far) if outcome["near"] == "done" else (far, near)
        answered.append("near" if winner is near else "far")
        await winner.wait_event(lambda e: e["event"] == "played" and e["completed"], after=marks[winner.name])
        await loser.wait_state("waiting", reason="error stand-down", after=marks[loser.name])
    print(f"nearer room answered {answered.count('near')} of {REPEATS}: {answered}; SNR at the wake word: {snrs}")
    assert answered == ["near"] * REPEATS
