"""Speech in other languages for the language tests: espeak-ng (a Debian package, deterministic: the
same audio every run), and a server on Whisper base with no language set (auto-detection)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from aria_server.config import validate_tree
from aria_server.settings import ServerSettings
from aria_wire.audio import PcmFormat

GERMAN = ("de", "Guten Morgen, wie geht es dir heute?", 160)
FRENCH = ("fr-fr", "Mets un minuteur de dix minutes.", 160)
SPANISH = ("es", "Buenos días, ¿cómo estás hoy?", 160)
GERMAN_HEARD_AS_ENGLISH = ("de", "Stell einen Timer auf zehn Minuten.", 130)
"""Slow German that Whisper base's own detection takes for English ("Till I'm an timer of 10 minutes")."""


def espeak(voice: str, text: str, rate: int) -> tuple[bytes, PcmFormat]:
    """``text`` spoken by espeak-ng ``voice`` at ``rate`` words a minute: (pcm, its format, 22.05 kHz mono)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/setup.sh installs it for the tests)")
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), "--stdout", text], capture_output=True, check=True, timeout=30
    ).stdout
    with wave.open(BytesIO(wav)) as reader:
        fmt = PcmFormat(reader.getframerate(), reader.getsampwidth(), reader.getnchannels())
        return reader.readframes(reader.getnframes()), fmt


def base_settings(data_dir: Path, **sections: Any) -> ServerSettings:
    """The test defaults (no LLM, no zeroconf, any port) on Whisper base with no language set."""
    tree: dict[str, Any] = {
        "data_dir": str(data_dir), "zeroconf": False, "llm": {"backend": "none"}, "wyoming": {"port": 0},
        "stt": {"model": "base", "language": ""},
    }
    tree.update(sections)
    return validate_tree(tree)
