"""A measurement, not a test: does the first pass (``StreamingSession``'s 10 s window) hear Home
Assistant names better with the hotwords, and what do they cost?

Runs the first pass (``WhisperDecoder.decode_fitted`` on a ``FIRST_PASS_WINDOW_S`` window) once
without and once with ``hotwords`` in the prompt, on 12 device commands naming
14 names, spoken by the bundled Piper voice and espeak-ng en-us / en-gb+f3. Prints each transcript
and, per variant: transcripts whose names ``home/names.py`` accepts (the early end's check), exact
transcripts, mean ms.

    .venv/bin/python scripts/quick-pass-hotwords.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aria_server.home.names import Named, name_index
from aria_server.settings import SttSettings
from aria_server.stt.faster_whisper import WhisperDecoder
from aria_server.stt.session import FIRST_PASS_WINDOW_S
from tests.satellites.harness import ClipMaker

NAMES = [
    "Kitchen", "Living Room", "Hallway", "Pergola", "Kitchen light", "Living room light", "Guest mode",
    "Sofa lamp", "Hue bulb", "Reading lamp", "Pergola lights", "Aquarium heater", "Nursery fan", "Porch light",
]
COMMANDS = [
    "Turn on the kitchen light.", "Turn off the living room light.", "Turn on guest mode.",
    "Switch on the sofa lamp.", "Turn off the hue bulb.", "Turn on the reading lamp.",
    "Turn off the pergola lights.", "Turn on the aquarium heater.", "Turn off the nursery fan.",
    "Turn on the porch light.", "Turn on the hallway lights.", "Switch off the pergola.",
]
VOICES = ("piper", "en-us", "en-gb+f3")


def quick(decoder: WhisperDecoder, samples: np.ndarray, hotwords: str | None) -> str:
    """The session's first pass, as it runs at a pause."""
    return decoder.decode_fitted(samples, "en", hotwords, min_window_s=FIRST_PASS_WINDOW_S).text


def espeak(text: str, voice: str) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".wav") as file:
        subprocess.run(["espeak-ng", "-v", voice, "-w", file.name, text], check=True)
        with wave.open(file.name) as wav:
            audio = np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float32) / 32768
            rate = wav.getframerate()
    return (soxr.resample(audio, rate, 16_000) * 32767).astype(np.int16)


def main() -> None:
    decoder = WhisperDecoder(SttSettings())
    piper = ClipMaker(Path(tempfile.mkdtemp()))
    index = name_index(frozenset(NAMES))
    totals = {False: [0, 0, 0.0], True: [0, 0, 0.0]}
    for voice in VOICES:
        for command in COMMANDS:
            speech = piper.speech(command) if voice == "piper" else espeak(command, voice)
            samples = np.concatenate([np.zeros(1600, np.int16), speech, np.zeros(3200, np.int16)])
            for hot in (False, True):
                start = time.perf_counter()
                text = quick(decoder, samples, ", ".join(NAMES) if hot else None)
                ms = (time.perf_counter() - start) * 1000
                known = index.named(text) is Named.KNOWN
                exact = " ".join(text.lower().strip(".").split()) == command.lower().strip(".")
                totals[hot][0] += known
                totals[hot][1] += exact
                totals[hot][2] += ms
                print(f"{voice:9} hotwords={hot:d} {ms:5.0f} ms names-known={known:d} exact={exact:d} {text!r}")
    n = len(VOICES) * len(COMMANDS)
    for hot, (known, exact, ms) in totals.items():
        print(f"hotwords={hot}: names known {known}/{n}, exact {exact}/{n}, mean {ms / n:.0f} ms")


if __name__ == "__main__":
    main()
