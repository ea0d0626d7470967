"""The conversation agent: a router over an ordered list of responders; every turn stored once.

    reply(request)
      ├─ local intents (responders/local.py) ──> time, date, timers, small talk (milliseconds)
      ├─ the solver (responders/computed.py) ─> arithmetic, conversions, the calendar: computed,
      │                                          never generated (no model can change the number)
      ├─ the home (responders/home.py) ───────> Home Assistant's templates inside Aria, carried out
      │                                          and answered by Home Assistant; an open "are you
      │                                          sure?"; never the model's words about the home
      ├─ truth guard (responders/local.py) ───> a device request without home control, or a live
      │                                          question without a tool: an honest "I can't ..."
      └─ the model (responders/model.py) ─────> streamed through the claim gate (or, without a
                                                 model, "without a language model I can only ...")
    then the turn is written to the history (one committed row), unless it was cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any

from ..home.client import HomeAssistantClient
from ..home.mapping import IntentMapper
from ..llm.fallback import LlmChain
from ..settings import LlmSettings
from ..store.db import Database
from ..store.history import HistoryStore, NewTurn
from ..tools.toolbox import Toolbox
from .intents import IntentHandler
from .request import ConversationRequest
from .responders.base import Responder
from .responders.computed import Solver
from .responders.home import HomeResponder, OpenQuestions
from .responders.local import LocalIntents, NoModel, TruthGuard
from .responders.model import ModelResponder
from .sessions import ConversationSessions
from .speculation import Speculation
from .timers import TimerService
from .truth import RequestKind, classify

_LOGGER = logging.getLogger(__name__)


class Agent:
    """Implements ``ConversationAgent``; one instance serves every face and every satellite."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        intents: IntentHandler,
        chain: LlmChain | None,
        db: Database,
        home: HomeAssistantClient | None = None,
        toolbox: Toolbox | None = None,
    ) -> None:
        self.settings = settings
        self.intents = intents
        self._chain = chain
        self.db = db
        self.store = HistoryStore(db)
        """Conversations and turns (the HTTP API lists and reads them here)."""
        self.sessions = ConversationSessions(self.store, settings.conversation_idle_s)
        self._toolbox = toolbox
        self.home = home
        """Home Assistant, when ``--ha-url`` is set."""
        self.home_control = home is not None or toolbox is not None
        """Whether home control is configured: only then may device requests go past the guard."""
        self.local = LocalIntents(intents)
        self.solver = Solver()
        self.home_responder = HomeResponder(home, intents) if home is not None else None
        self.guard = TruthGuard(intents, self.store, home_control=self.home_control)
        self.model = (
            ModelResponder(settings, chain, self.store, intents, toolbox) if chain is not None else None
        )
        self._offer_tools_to_home()
        questions = OpenQuestions(self.home_responder) if self.home_responder is not None else None
        self.responders: list[Responder] = [
            r for r in (questions, self.local, self.solver, self.home_responder, self.guard) if r is not None
        ]
        """In order; the model (or the no-model reply) answers what none of them does. An open
        "are you sure?" comes first (its "yes" is no request of its own); local intents before the
        home, so "what time is it" and timers stay Aria's even though Home Assistant's templates
        know them too. The solver before the home: a sum never waits on Home Assistant."""
        self._warming: asyncio.Task[None] | None = None

    def _offer_tools_to_home(self) -> None:
        """The home may hand a trusted requester's command the templates missed to the model,
        when the model has Home Assistant's tools."""
        if self.home_responder is not None:
            has_tools = self.model is not None and self._toolbox is not None
            self.home_responder.act_with_tools = self.model.act_on_home if has_tools and self.model is not None else None
            backend = self._chain.backends[0] if self._chain is not None and self._chain.backends else None
            mapping = self.settings.home_mapping and backend is not None and hasattr(backend, "complete_json")
            self.home_responder.mapper = IntentMapper(backend) if mapping else None  # type: ignore[arg-type]

    @property
    def chain(self) -> LlmChain | None:
        """The language-model chain (None: no model)."""
        return self._chain

    @chain.setter
    def chain(self, chain: LlmChain) -> None:
        # Swapped before start (a test counting the model's calls wraps the backend).
        self._chain = chain
        if self.model is not None:
            self.model.chain = chain
        else:
            self.model = ModelResponder(self.settings, chain, self.store, self.intents, self._toolbox)
        self._offer_tools_to_home()

    @property
    def toolbox(self) -> Toolbox | None:
        """The language model's tools (Home Assistant's MCP tools, call_service); None: no tools."""
        return self._toolbox

    @toolbox.setter
    def toolbox(self, toolbox: Toolbox | None) -> None:
        self._toolbox = toolbox
        if self.model is not None:
            self.model.toolbox = toolbox
        self._offer_tools_to_home()

    @property
    def tool_prompts(self) -> Any:
        """The prompts of turns that offer tools (None without a model)."""
        return self.model.tool_prompts if self.model is not None else None

    @property
    def timers(self) -> TimerService:
        """The timers set by voice (subscribe to announce them)."""
        return self.intents.timers

    @property
    def languages(self) -> list[str]:
        """Languages this agent accepts (others are not handled)."""
        return list(self.settings.languages)

    def supports_language(self, language: str | None) -> bool:
        """Whether a request in ``language`` (``en-US`` counts as ``en``; None as the default) is served."""
        if not language:
            return True
        base = language.replace("_", "-").split("-")[0].lower()
        return base in {code.lower() for code in self.settings.languages}

    async def start(self) -> None:
        """Open the history and load the language models (off the event loop); warm them."""
        await self.db.open()
        if self.home is not None:
            await self.home.start()
        if self.home_responder is not None:
            await self.home_responder.understanding.load()
        if self.chain is not None:
            await self.chain.start()
        if self.model is not None and self.toolbox is not None:
            self._warming = asyncio.create_task(self.model.warm_tools(), name="warm tool prompt")

    async def aclose(self) -> None:
        """Stop the models, drop the timers, close the database."""
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
        if self.chain is not None:
            await self.chain.aclose()
        if self.toolbox is not None:
            await self.toolbox.aclose()
        if self.home_responder is not None:
            self.home_responder.understanding.close()
        if self.home is not None:
            await self.home.aclose()
        self.timers.close()
        await self.db.close()

    async def conversation_for(self, session: str) -> str:
        """The conversation id of a satellite or session (a new one after ``conversation_idle_s``)."""
        return await self.sessions.conversation_for(session)

    def health(self) -> dict[str, Any]:
        """Backend, model, loaded, fallback_in_use, last_error (and the whole chain) for ``/health``."""
        base: dict[str, Any] = {"languages": self.languages, "timers": len(self.timers.active())}
        if self.chain is None:
            return {
                **base, "status": "disabled", "backend": "none", "model": None, "loaded": False,
                "fallback_in_use": False, "last_error": None, "chain": [],
            }
        return {**base, **self.chain.health()}

    def request(
        self, conversation_id: str, text: str, *, language: str | None = None, timers_ring: bool = True,
        satellite: str | None = None, area: str | None = None, trusted: bool = False,
        speculation: Speculation | None = None,
    ) -> ConversationRequest:
        """The frozen request every responder is asked."""
        return ConversationRequest(
            conversation_id, text, language, satellite, area, trusted, timers_ring,
            self.sessions.session_of(conversation_id), speculation,
        )

    async def reply(
        self, conversation_id: str, text: str, *, language: str | None = None, timers_ring: bool = True,
        satellite: str | None = None, area: str | None = None, trusted: bool = False,
        speculation: Speculation | None = None,
    ) -> AsyncGenerator[str, None]:
        """Text deltas of the answer; the turn is stored once the answer is complete.

        ``timers_ring``: whether a timer set in this turn can ring where the user is.
        ``satellite``: the satellite that heard it ("the light" means its room's). ``area``: its
        area, when the face knows it. ``trusted``: whether the requester may ask for
        security-sensitive actions (see ``ConversationRequest.trusted``). ``speculation``: the reply
        the turn started at a pause (used when it answers this very request).

        Never raises for a failing model (the user hears a short apology instead); cancellation
        propagates, and a cancelled turn is not stored.
        """
        started = time.time()
        request = self.request(
            conversation_id, text, language=language, timers_ring=timers_ring, satellite=satellite, area=area,
            trusted=trusted, speculation=speculation,
        )
        answer = None
        for responder in self.responders:
            if (answer := await responder.respond(request)) is not None:
                _LOGGER.debug("%s answered %r", responder.name, text)
                break
        if answer is None:
            if self.model is not None:
                if request.area is None and satellite is not None and self.home is not None:
                    # Home Assistant's tools know no device: the model is told the room.
                    request = replace(request, area=await self.home.area_of(satellite))
                answer = await self.model.respond(request)
            else:
                answer = await NoModel(self.intents).respond(request)
        parts: list[str] = []
        async for delta in answer.deltas():
            parts.append(delta)
            yield delta
        await self.store.add_turn(
            NewTurn(
                conversation_id=conversation_id, user_text=text, reply_text="".join(parts).strip(), source=answer.source,
                started_at=started, ended_at=time.time(), session=request.session, language=language,
                backend=answer.backend, model=answer.model,
            )
        )
        self.sessions.touch(conversation_id)

    async def speculate(
        self, conversation_id: str, text: str, *, language: str | None = None, satellite: str | None = None
    ) -> Speculation | None:
        """Start the language model on ``text`` (a quick transcript of a turn that looks complete)
        now, so the reply is under way when the final transcript confirms it (``speculation.py``).

        None where the reply would not come from the model anyway, or must not be guessed at:
        speculation off, no model, a local intent, a request about the home (only ever answered
        from Home Assistant) or a question the truth guard answers. Nothing runs but the generation.
        """
        if not self.settings.speculative or self.model is None or not text.strip():
            return None
        request = self.request(conversation_id, text, language=language, satellite=satellite)
        device = request.english and classify(text) in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE)
        if device or self.intents.matches(text, language) or await self.guard.respond(request) is not None:
            return None
        if await self.solver.respond(request) is not None:
            return None  # computed, never generated: the model is not asked
        if self.home is not None:
            if satellite is not None:
                request = self.request(
                    conversation_id, text, language=language, satellite=satellite, area=await self.home.area_of(satellite)
                )
            if self.home_responder is not None and await self.home_responder.claims(request):
                return None
        return await self.model.speculate(request)

