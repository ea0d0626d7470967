"""The turn-taking decisions a satellite turn hands its STT session, for the STT tests."""

from __future__ import annotations

from aria_server.services import Services
from aria_server.settings import VadSettings
from aria_server.turn_taking.shape import RequestShape
from aria_server.turn_taking.turn import TurnContext, TurnDecisions, TurnTaking


def decisions(services: Services, settings: VadSettings | None = None, shape: RequestShape | None = None) -> TurnDecisions:
    """A turn's decisions over the agent's intents (English), with no speculative reply."""
    assert services.agent is not None and services.stt is not None
    shape = shape or RequestShape(services.agent.intents, services.agent.home)
    taking = TurnTaking(settings or services.stt.vad_settings, shape, None)
    return taking.begin(TurnContext("stt-test", "en", speculate=False))
