"""Answers that need neither Home Assistant nor the model: local intents, the truth guard, and
the plain "without a language model" reply."""

from __future__ import annotations

from ..intents import IntentHandler
from ..request import ConversationRequest
from ..truth import RequestKind, classify
from .base import Answer, Said


class LocalIntents:
    """Time, date, timers, help, small talk (milliseconds)."""

    name = "intent"

    def __init__(self, intents: IntentHandler) -> None:
        self.intents = intents

    async def respond(self, request: ConversationRequest) -> Answer | None:
        local = self.intents.handle(
            request.text, request.language, conversation_id=request.conversation_id, session=request.session,
            timers_ring=request.timers_ring,
        )
        return None if local is None else Said(local.text, "intent")


class TruthGuard:
    """The honest "I can't ..." for what the model could only invent: a device request with no
    home control configured, a live question (weather, news, prices) with no tool to look it up."""

    name = "guard"

    def __init__(self, intents: IntentHandler, *, home_control: bool, live_tools: bool = False) -> None:
        self.intents = intents
        self.home_control = home_control
        self.live_tools = live_tools

    async def respond(self, request: ConversationRequest) -> Answer | None:
        if not request.english:
            return None  # the request patterns are English
        kind = classify(request.text)
        if kind in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE) and not self.home_control:
            return Said(self.intents.phrase(request.language, "no_home_control"), "guard")
        if kind is RequestKind.LIVE_INFO and not self.live_tools:
            return Said(self.intents.phrase(request.language, "cannot_check"), "guard")
        return None


class NoModel:
    """Without a language model: what Aria can do instead."""

    name = "no-model"

    def __init__(self, intents: IntentHandler) -> None:
        self.intents = intents

    async def respond(self, request: ConversationRequest) -> Answer:
        return Said(self.intents.phrase(request.language, "no_llm"), "apology")
