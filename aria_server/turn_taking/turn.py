"""The early decisions of one turn: what each pause means, and the reply started before the end.

    Services ─ TurnTaking (one per server: the judge, the words' shape, the conversation stage)
                 └─ begin(...) -> TurnDecisions (one per turn)
    STT session at a pause:   whole_request / unfinished (the quick pass's words)
                              judged(text, judgement)  -> may start the speculative reply
                speech again: speech_resumed()         -> the speculation is cancelled
    voice pipeline at commit: await settle(final text) -> the speculation for the reply (or None)
                at the end:   end(cancelled)           -> what became of it (the turn's spans)

One object owns the speculation from its start to its end: the conversation stage is handed it
with the request (``ConversationRequest.speculation``) and only decides whether it is the reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..conversation.agent import Agent
from ..conversation.speculation import Outcome, Speculation, same_request
from ..settings import VadSettings
from .judge import Judgement, PauseFacts, PauseJudge, Verdict
from .shape import RequestShape

_LOGGER = logging.getLogger(__name__)

Speculate = Callable[..., Awaitable[Speculation | None]]
"""The conversation stage's ``speculate(conversation_id, text, language=, satellite=)``."""


@dataclass(frozen=True)
class TurnContext:
    """What the turn's decisions need to know about it."""

    conversation_id: str
    language: str | None = None
    satellite: str | None = None
    end_early: bool = True
    """A whole request may end the turn early (only where silence ends turns)."""
    speculate: bool = True
    """The reply may start at a pause (only where the turn will be answered)."""


class TurnTaking:
    """Hands each turn its decisions; shared by every face."""

    def __init__(self, settings: VadSettings, shape: RequestShape | None, speculate: Speculate | None) -> None:
        self.judge = PauseJudge(settings)
        self.shape = shape
        self._speculate = speculate

    @classmethod
    def for_agent(cls, settings: VadSettings, agent: Agent) -> TurnTaking:
        """Pauses judged by ``agent``'s intents and home; replies started by its ``speculate``."""
        return cls(settings, RequestShape(agent.intents, agent.home), agent.speculate)

    def begin(self, context: TurnContext) -> TurnDecisions:
        """The decisions of a new turn heard where silence ends it."""
        return TurnDecisions(self, context)


class TurnDecisions:
    """Consulted at each pause of one turn; owns the reply started early."""

    def __init__(self, owner: TurnTaking, context: TurnContext) -> None:
        self.judge = owner.judge
        self.context = context
        self._shape = owner.shape
        self._speculate = owner._speculate if context.speculate else None
        self.verdicts: list[Verdict] = []
        """How each pause was judged, in order (spans and tests)."""
        self._starting: asyncio.Task[None] | None = None
        self.speculation: Speculation | None = None
        """The reply started on the quick transcript of a pause (at most one per turn)."""

    # -- asked by the STT session at a pause --------------------------------------------------

    @property
    def wants_first_pass(self) -> bool:
        """Whether a pause's words are worth a quick pass (something here depends on them)."""
        return self.judge.judges_words or self.judge.judges_sound or self._speculate is not None

    def whole_request(self, text: str) -> bool:
        """The words need no more listening (and the quick pass's words are the transcript)."""
        if not (self.context.end_early and self.judge.settings.complete_request_end_ms and self._shape):
            return False
        return self._shape.is_whole_request(text, self.context.language, self.context.satellite)

    def unfinished(self, text: str) -> bool:
        """The words stop mid-sentence."""
        return self._shape is not None and self._shape.sounds_unfinished(text, self.context.language)

    def judged(self, text: str, facts: PauseFacts, judgement: Judgement) -> None:
        """Record the pause's verdict; when it looks like the end of the turn (it sounds finished,
        or, with no end-of-turn model to ask, the words do not stop mid-sentence), start the reply."""
        if judgement.verdict is Verdict.WHOLE_REQUEST or self.judge.judges_turns:
            self.verdicts.append(judgement.verdict)
        looks_done = judgement.verdict is Verdict.COMPLETE or (
            facts.sounds_done is None and not facts.unfinished and not facts.whole_request
        )
        if looks_done and text.strip():
            self._start_speculation(text)

    def speech_resumed(self) -> None:
        """The user went on: the reply will answer the whole utterance, not this guess."""
        if self._starting is not None:
            self._starting.cancel()
        if self.speculation is not None:
            self.speculation.cancel()

    # -- asked by the voice pipeline -------------------------------------------------------------

    async def settle(self, final_text: str) -> Speculation | None:
        """The speculation the reply may use, once the final transcript is known: one still
        starting is waited for; one on other words is cancelled now (the model is free sooner)."""
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        speculation = self.speculation
        if speculation is None or not speculation.pending:
            return None
        if not same_request(speculation.text, final_text):
            speculation.cancel(Outcome.MISS)
            return None
        return speculation

    def end(self, cancelled: bool) -> str | None:
        """Stop what is left of the speculation; what became of it (None: there was none)."""
        if self._starting is None:
            return None
        if self.speculation is None:
            # Still starting, or stopped while it started: cancelled; else none was wanted.
            stopped_early = not self._starting.done() or self._starting.cancelled()
            self._starting.cancel()
            return str(Outcome.CANCELLED) if stopped_early else None
        # Once taken, the reply owns it and has ended with it (or is cut short with the turn now).
        self.speculation.cancel(Outcome.CANCELLED if cancelled else Outcome.UNUSED)
        return str(self.speculation.outcome)

    async def wait_stopped(self) -> None:
        """Until the speculative generation has stopped (a cancelled turn leaves the model free)."""
        if self.speculation is not None:
            await self.speculation.wait_stopped()

    def _start_speculation(self, text: str) -> None:
        if self._starting is not None or self._speculate is None:
            return  # one per turn: a second guess after speech resumed is as likely wrong
        self._starting = asyncio.get_running_loop().create_task(self._started(text), name="speculative reply")

    async def _started(self, text: str) -> None:
        assert self._speculate is not None
        try:
            self.speculation = await self._speculate(
                self.context.conversation_id, text, language=self.context.language, satellite=self.context.satellite
            )
        except Exception:  # a failed guess costs the turn nothing: the reply starts at commit
            _LOGGER.exception("the speculative reply failed to start")
