"""Builds the satellite manager from the server's settings and loaded services."""

from __future__ import annotations

import logging
from typing import Any

from aria_wire.framing import FrameLimits

from ..pipeline.turn import VoicePipeline
from ..settings import ServerSettings
from .manager import SatelliteManager, TurnSink
from .session import SessionOptions

_LOGGER = logging.getLogger(__name__)


def create_manager(
    settings: ServerSettings, services: Any, own_port: int | None, on_turn: TurnSink | None = None
) -> SatelliteManager:
    """The manager for ``--satellite`` addresses and (with zeroconf on) discovered satellites.

    ``services`` is the Wyoming ``Services``; without a conversation agent on it, satellites
    still connect, and their turns end with an ``no-agent`` error.
    """
    agent = getattr(services, "agent", None)
    pipeline = VoicePipeline(services.stt, agent, services.tts) if agent is not None else None
    if pipeline is None:
        _LOGGER.warning("no conversation agent: satellites connect but cannot answer")
    limits = FrameLimits(
        max_line_bytes=settings.wyoming.max_line_bytes,
        max_data_bytes=settings.wyoming.max_data_bytes,
        max_payload_bytes=settings.wyoming.max_payload_bytes,
    )
    options = SessionOptions(conversation_idle_s=getattr(settings.llm, "conversation_idle_s", 300.0))
    return SatelliteManager(
        pipeline=pipeline,
        agent=agent,
        tts=services.tts,
        limits=limits,
        addresses=settings.satellite,
        browse=settings.zeroconf,
        options=options,
        own_port=own_port,
        on_turn=on_turn,
    )
