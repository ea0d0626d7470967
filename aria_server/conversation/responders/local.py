"""Answers that need neither Home Assistant nor the model: local intents, the truth guard, and
the plain "without a language model" reply."""

from __future__ import annotations

import re

from ...store.history import HistoryStore
from ...text import normalise
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
    home control configured, a live question (weather, news, prices) with no tool to look it up,
    a fact about the speaker they have not told this conversation, an outcome nobody knows yet."""

    name = "guard"

    def __init__(
        self, intents: IntentHandler, store: HistoryStore, *, home_control: bool, live_tools: bool = False
    ) -> None:
        self.intents = intents
        self.store = store
        self.home_control = home_control
        self.live_tools = live_tools

    async def respond(self, request: ConversationRequest) -> Answer | None:
        if not request.english:
            return None  # the request patterns are English
        kind = classify(request.text)
        if kind in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE) and not self.home_control:
            return self._said(request, "no_home_control")
        if kind is RequestKind.LIVE_INFO and not self.live_tools:
            return self._said(request, "cannot_check")
        if kind is RequestKind.ABOUT_THE_SPEAKER and not await self._told_about_themselves(request):
            return self._said(request, "cannot_know_you")
        if kind is RequestKind.FORECAST:
            return self._said(request, "cannot_foresee")
        return None

    def _said(self, request: ConversationRequest, phrase: str) -> Said:
        return Said(self.intents.phrase(request.language, phrase), "guard")

    async def _told_about_themselves(self, request: ConversationRequest) -> bool:
        """Whether the speaker told this conversation something about themselves ("My name is
        Bob."): the one source that can answer "what is my name"."""
        turns = await self.store.recent_turns(request.conversation_id)
        return any(_FIRST_PERSON.search(normalise(turn.user_text)) for turn in turns)


_FIRST_PERSON = re.compile(
    r"^(?:(?:please )?remember(?: that)? |note that |well |so |and |but |also |ok |okay )?(?:i|i'm|i've|i'd|my)\b"
)
"""A statement about oneself ("My name is Bob.", "I have a dog called Rex."), not a command that
says "my" ("turn on my lights")."""


class NoModel:
    """Without a language model: what Aria can do instead."""

    name = "no-model"

    def __init__(self, intents: IntentHandler) -> None:
        self.intents = intents

    async def respond(self, request: ConversationRequest) -> Answer:
        return Said(self.intents.phrase(request.language, "no_llm"), "apology")
