"""What can be checked about settings before they are used: models present, ports apart, limits
above what clients send.

Validation (pydantic) knows each value alone; these checks look at the machine and at pairs of
values. ``POST /config`` runs them on the paths a change touches, so a value that would stop
the next start is refused with 422 instead of being stored; the start-up runs them all, so a
bad command line gets one clear line instead of a traceback (a Wyoming port equal to the HTTP
port used to fail deep in ``bind``). Blocking (file system): call through ``run_blocking``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .settings import ServerSettings

MIN_PAYLOAD_BYTES = 65_536
"""A Wyoming audio chunk: Home Assistant and satellites send up to ~1 s of 16 kHz stereo audio."""
MIN_DATA_BYTES = 16_384
MIN_LINE_BYTES = 8_192
MIN_BODY_BYTES = 16_384
"""The dashboard posts the whole settings form (~4 KB) and a config tree."""

_TTS_LIBRARIES = {"coqui": "TTS"}
_LLM_LIBRARIES = {"ollama": "ollama", "openai": "openai", "embedded": "llama_cpp"}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _stt(settings: ServerSettings) -> dict[str, str]:
    # Path("") is the current directory, which "exists": an empty name must be refused by name.
    if not settings.stt.model.strip():
        return {"stt.model": "must name a Whisper model or a model directory"}
    return {}


def _tts(settings: ServerSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    tts = settings.tts
    for path, names in (("tts.backend", [tts.backend]), ("tts.fallback", list(tts.fallback))):
        for name in names:
            library = _TTS_LIBRARIES.get(name)
            if library is not None and not _installed(library):
                problems[path] = f"the {name} TTS backend is not installed here (pip install coqui-tts)"
            elif name == "coqui":
                if tts.coqui_model is None or not Path(tts.coqui_model).expanduser().is_file():
                    problems[path] = "the coqui TTS backend needs tts.coqui_model, an existing checkpoint file"
    return problems


def _llm(settings: ServerSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    llm = settings.llm
    for path, names in (("llm.backend", [llm.backend]), ("llm.fallback", list(llm.fallback))):
        for name in names:
            library = _LLM_LIBRARIES.get(name)
            if library is not None and not _installed(library):
                problems[path] = f"the {name} LLM backend needs the {library} package, which is not installed"
    # url/model apply to the first backend only (see llm.base.create_backend).
    if llm.backend == "embedded" and llm.model is not None:
        model = Path(llm.model).expanduser()
        if not model.is_file():
            problems["llm.model"] = f"GGUF file {model} does not exist"
    return problems


def _ports(settings: ServerSettings) -> dict[str, str]:
    port = settings.wyoming.port
    if port and port == settings.http.port:
        problem = f"the Wyoming and HTTP ports are both {port}; they need one each"
        return {"wyoming.port": problem, "http.port": problem}
    return {}


def _limits(settings: ServerSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    for path, value, least in (
        ("wyoming.max_payload_bytes", settings.wyoming.max_payload_bytes, MIN_PAYLOAD_BYTES),
        ("wyoming.max_data_bytes", settings.wyoming.max_data_bytes, MIN_DATA_BYTES),
        ("wyoming.max_line_bytes", settings.wyoming.max_line_bytes, MIN_LINE_BYTES),
        ("http.max_body_bytes", settings.http.max_body_bytes, MIN_BODY_BYTES),
    ):
        if value < least:
            problems[path] = f"{value} bytes is below what clients send ({least} at least)"
    return problems


def settings_problems(settings: ServerSettings) -> dict[str, str]:
    """Dotted path -> what is wrong there, for every check that fails ({} when all pass)."""
    problems: dict[str, str] = {}
    for check in (_stt, _tts, _llm, _ports, _limits):
        problems.update(check(settings))
    return problems


def startup_problems(settings: ServerSettings) -> dict[str, str]:
    """The checks the start-up adds to loading the models (which report the rest themselves).

    The limits are not among them: an operator may pin small ones on the command line on
    purpose; only the API refuses them, because there a typo would lock the dashboard out.
    """
    problems: dict[str, str] = {}
    for check in (_stt, _ports):
        problems.update(check(settings))
    return problems
