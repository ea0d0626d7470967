"""A measurement, not a test: would the quick fitted-window pass hear Home Assistant names better
with the hotwords the full decode gets?

Runs the steps of ``WhisperDecoder.decode_quick`` (aria_server/stt/faster_whisper.py, through its
private model) once without and once with ``hotwords`` in the prompt, on 12 device commands naming
14 names, spoken by the bundled Piper voice and espeak-ng en-us / en-gb+f3. Prints each transcript
and, per variant: transcripts whose names ``home/names.py`` accepts (the early end's check), exact
transcripts, mean ms.

    .venv/bin/python scripts/quick-pass-hotwords.py
"""

from __future__ import annotations

import math
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
from aria_server.stt.faster_whisper import (
    FULL_WINDOW_FRAMES,
    QUICK_WINDOW_STEP,
    WhisperDecoder,
    without_echoes,
)
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
    from ctranslate2 import StorageView
    from faster_whisper.tokenizer import Tokenizer

    model = decoder._model
    features = model.feature_extractor(samples.astype(np.float32) / 32768.0)
    frames = features.shape[-1]
    window = min(FULL_WINDOW_FRAMES, math.ceil((frames + 100) / QUICK_WINDOW_STEP) * QUICK_WINDOW_STEP)
    padded = np.zeros((features.shape[0], window), dtype=np.float32)
    padded[:, : min(frames, window)] = features[:, :window]
    encoded = model.model.encode(StorageView.from_array(padded[np.newaxis]), to_cpu=False)
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    prompt = model.get_prompt(tokenizer, [], without_timestamps=True, hotwords=hotwords)
    result = model.model.generate(
        encoded, [prompt], beam_size=decoder.settings.beam_size, max_length=224, no_repeat_ngram_size=3,
        suppress_blank=True, suppress_tokens=[-1],
    )
    return without_echoes(tokenizer.decode([t for t in result[0].sequences_ids[0] if t < tokenizer.eot]).strip())


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
