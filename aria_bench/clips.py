"""Speech clips with reference texts: the bundled set or a user's TSV manifest.

A manifest is UTF-8 TSV, one clip a line: a WAV path (relative to the manifest, or absolute),
a tab, the reference text. Blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from .errors import BenchError

RATE = 16_000
"""Clips are sent as 16 kHz, 16-bit mono PCM: what satellites and Home Assistant send."""

WIDTH = 2
CHANNELS = 1

BUNDLED_MANIFEST = Path(__file__).parent / "clips" / "manifest.tsv"


class ClipError(BenchError):
    """A manifest line or a WAV file that cannot be used."""


@dataclass(frozen=True)
class Clip:
    """One utterance: its WAV file and what was said."""

    name: str
    path: Path
    reference: str


def load_manifest(manifest: Path, limit: int | None = None) -> list[Clip]:
    """Clips listed in ``manifest`` (the first ``limit`` ones when given), checked to exist."""
    clips: list[Clip] = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        wav, sep, reference = line.partition("\t")
        if not sep or not reference.strip():
            raise ClipError(f"{manifest}:{number}: expected 'WAV<TAB>reference text'")
        path = manifest.parent / wav.strip()
        if not path.is_file():
            raise ClipError(f"{manifest}:{number}: {path} does not exist")
        clips.append(Clip(name=Path(wav.strip()).stem, path=path, reference=reference.strip()))
    if not clips:
        raise ClipError(f"{manifest} lists no clips")
    return clips[:limit] if limit is not None else clips


def read_pcm16k(path: Path) -> bytes:
    """The WAV's audio as 16 kHz mono int16 PCM (mixed down and resampled when needed)."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as err:
        raise ClipError(f"{path}: not a PCM WAV file ({err})") from err
    if (rate, width, channels) == (RATE, WIDTH, CHANNELS):
        return frames
    if width != 2:
        raise ClipError(f"{path}: {8 * width}-bit audio; use 16-bit PCM")
    samples = np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    if rate != RATE:
        samples = soxr.resample(samples, rate, RATE, quality="HQ")
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()


def silence(seconds: float) -> bytes:
    """Digital silence in the clip format."""
    return bytes(int(seconds * RATE) * WIDTH * CHANNELS)


def duration(pcm: bytes) -> float:
    """Seconds of clip-format PCM."""
    return len(pcm) / (RATE * WIDTH * CHANNELS)


def last_voiced_s(pcm: bytes, rate: int = 16_000) -> float:
    """End of the last 10 ms window louder than -40 dBFS: where the speech in a clip ends."""
    samples = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768.0
    window = rate // 100
    count = len(samples) // window
    rms = np.sqrt(np.mean(samples[: count * window].reshape(count, window) ** 2, axis=1))
    voiced = np.nonzero(rms > 0.01)[0]
    if not len(voiced):
        raise BenchError("a clip has no speech")
    return float((voiced[-1] + 1) * window / rate)
