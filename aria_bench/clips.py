"""Speech clips with reference texts: the bundled set or a user's TSV manifest.

A manifest is UTF-8 TSV, one clip a line: a WAV path (relative to the manifest, or absolute),
a tab, the reference text. Blank lines and lines starting with ``#`` are skipped. Three more
columns are optional (the endpointing set has them): the kind of turn (``local``, ``llm``,
``paused-local`` ...), its pauses (``3@1.020+0.600``: after word 3, starting 1.02 s into the
file, 0.6 s long; several separated by ``;``; empty for none) and the voice.
"""

from __future__ import annotations

import re
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
PAUSED_MANIFEST = Path(__file__).parent / "clips" / "paused" / "manifest.tsv"
"""The endpointing set: requests with a thinking pause mid-sentence, and the same without."""

QUESTIONS_MANIFEST = Path(__file__).parent / "clips" / "questions" / "manifest.tsv"
"""The turn-latency set: 4 local intents and 6 questions for the language model, in the bundled
Piper voice (the files the language-model turn figures in docs/benchmarks.md were measured on)."""

NAMED_SETS = {"bundled": BUNDLED_MANIFEST, "paused": PAUSED_MANIFEST, "questions": QUESTIONS_MANIFEST}


class ClipError(BenchError):
    """A manifest line or a WAV file that cannot be used."""


@dataclass(frozen=True)
class Pause:
    """Silence inside an utterance: after its ``after_word``-th word, from ``at_s`` in the file."""

    after_word: int
    at_s: float
    seconds: float


_PAUSE = re.compile(r"^(\d+)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$")


def format_pauses(pauses: list[Pause] | tuple[Pause, ...]) -> str:
    """The manifest's spelling: ``3@1.020+0.600;...``."""
    return ";".join(f"{p.after_word}@{p.at_s:.3f}+{p.seconds:.3f}" for p in pauses)


def parse_pauses(text: str) -> tuple[Pause, ...]:
    """``format_pauses`` read back; ValueError for anything else."""
    pauses = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        match = _PAUSE.match(item)
        if match is None:
            raise ValueError(f"pause {item!r} is not WORD@START+SECONDS")
        pauses.append(Pause(int(match.group(1)), float(match.group(2)), float(match.group(3))))
    return tuple(pauses)


@dataclass(frozen=True)
class Clip:
    """One utterance: its WAV file and what was said (and, in the endpointing set, how)."""

    name: str
    path: Path
    reference: str
    kind: str | None = None
    """The kind of turn the manifest expects (None: sorted by what the server answered with)."""
    pauses: tuple[Pause, ...] = ()
    voice: str | None = None

    @property
    def words_after_pause(self) -> list[str]:
        """The reference's words after its last pause: a turn cut in the pause misses them."""
        if not self.pauses:
            return []
        return self.reference.split()[self.pauses[-1].after_word :]


def load_manifest(manifest: Path, limit: int | None = None) -> list[Clip]:
    """Clips listed in ``manifest`` (the first ``limit`` ones when given), checked to exist."""
    clips: list[Clip] = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        wav, *columns = line.split("\t")
        if not columns or not columns[0].strip() or len(columns) > 4:
            raise ClipError(f"{manifest}:{number}: expected 'WAV<TAB>reference text[<TAB>kind<TAB>pauses<TAB>voice]'")
        reference, kind, pauses, voice = (*(column.strip() for column in columns), "", "", "")[:4]
        path = manifest.parent / wav.strip()
        if not path.is_file():
            raise ClipError(f"{manifest}:{number}: {path} does not exist")
        try:
            parsed = parse_pauses(pauses)
        except ValueError as err:
            raise ClipError(f"{manifest}:{number}: {err}") from err
        clips.append(Clip(
            name=Path(wav.strip()).stem, path=path, reference=reference,
            kind=kind or None, pauses=parsed, voice=voice or None,
        ))
    if not clips:
        raise ClipError(f"{manifest} lists no clips")
    return clips[:limit] if limit is not None else clips


def manifest_path(value: str) -> Path:
    """``--clips``: a named set (``bundled``, ``paused``, ``questions``) or a manifest's path."""
    return NAMED_SETS.get(value, Path(value))


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


def voiced_windows(samples: np.ndarray, rate: int = 16_000) -> np.ndarray:
    """Indices of the 10 ms windows of float ``samples`` louder than -40 dBFS (window = rate // 100)."""
    window = rate // 100
    count = len(samples) // window
    rms = np.sqrt(np.mean(samples[: count * window].reshape(count, window) ** 2, axis=1))
    return np.nonzero(rms > 0.01)[0]


def last_voiced_s(pcm: bytes, rate: int = 16_000) -> float:
    """End of the last 10 ms window louder than -40 dBFS: where the speech in a clip ends."""
    voiced = voiced_windows(np.frombuffer(pcm, np.int16).astype(np.float32) / 32768.0, rate)
    if not len(voiced):
        raise BenchError("a clip has no speech")
    return float((voiced[-1] + 1) * (rate // 100) / rate)
