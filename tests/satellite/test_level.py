"""The wake word's speech level and SNR (``LevelMeter``), on the bundled Piper voice over noise."""

from __future__ import annotations

import numpy as np

from aria_satellite.level import FLOOR_DBFS, LevelMeter
from aria_wire.extensions import SNR_KEY, SPEECH_KEY
from tests.satellites.harness import ClipMaker

FRAME = 512


def _measure(audio: np.ndarray) -> LevelMeter:
    meter = LevelMeter()
    pcm = np.clip(audio, -32768, 32767).astype(np.int16).tobytes()
    for i in range(0, len(pcm) - 2 * FRAME + 1, 2 * FRAME):
        meter.push(pcm[i : i + 2 * FRAME])
    return meter


def _noise(seconds: float, dbfs: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * 16_000)) * 32768 * 10 ** (dbfs / 20)


def test_the_word_over_noise_gives_its_level_and_snr(clips: ClipMaker) -> None:
    word = clips.speech("Okay, Nabu.").astype(np.float64)
    levels = []
    for gain_db in (-6.0, -20.0):
        speech = word * 10 ** (gain_db / 20)
        audio = _noise(3.0 + len(word) / 16_000 + 0.1, -55.0, seed=1)
        audio[48_000 : 48_000 + len(word)] += speech
        level = _measure(audio[: 48_000 + len(word) + 1_600]).at_wake()
        assert level is not None
        assert abs(level.noise_dbfs - -55.0) < 2.0  # the floor before the word, not the word
        voiced = np.sort([np.mean((speech[i : i + FRAME] / 32768) ** 2) for i in range(0, len(speech) - FRAME, FRAME)])
        loud_half_db = 10 * np.log10(np.mean(voiced[len(voiced) // 2 :]))
        assert abs(level.speech_dbfs - loud_half_db) < 3.0
        assert level.snr_db == level.speech_dbfs - level.noise_dbfs
        levels.append(level)
    near, far = levels
    assert abs((near.snr_db - far.snr_db) - 14.0) < 2.0  # 14 dB further away is 14 dB less SNR over the same noise
    assert set(near.context()) == {SPEECH_KEY, SNR_KEY}


def test_the_same_level_over_more_noise_has_less_snr(clips: ClipMaker) -> None:
    word = clips.speech("Hey Jarvis.").astype(np.float64) * 0.3
    quiet, noisy = (_noise(2.0 + len(word) / 16_000, dbfs, seed=2) for dbfs in (-60.0, -40.0))
    for audio in (quiet, noisy):
        audio[32_000 : 32_000 + len(word)] += word
    clean, loud_room = _measure(quiet).at_wake(), _measure(noisy).at_wake()
    assert clean is not None and loud_room is not None
    assert clean.snr_db > loud_room.snr_db + 10.0


def test_digital_silence_and_no_history() -> None:
    assert LevelMeter().at_wake() is None
    silent = _measure(np.zeros(16_000)).at_wake()
    assert silent is not None and silent.speech_dbfs == silent.noise_dbfs == FLOOR_DBFS and silent.snr_db == 0.0
