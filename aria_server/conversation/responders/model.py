"""The language model's answer: streamed through the claim gate, with tools when it has them.

    the chain streams ──> text deltas through the claim gate (no unconfirmed "Done")
    with tools (tool_turn.py) the model may call tools first: a confirmed action is said in the
    tool result's words, a failed call honestly; on failure a short spoken apology.

Requests about the home get here only when the user gave the model Home Assistant's tools
(``--ha-mcp``) and the templates did not understand a trusted requester's command
(``home.py``); such a turn (``home=True``) speaks only what a tool result confirmed, or an
honest "nothing was changed": the model's own words about the house are never said, and a call
that would open the house is refused (``home/safety.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from ...errors import LlmError
from ...llm.base import ChatMessage, LanguageModel
from ...llm.fallback import LlmChain, MessageBuilder
from ...settings import LlmSettings
from ...store.history import HistoryStore, TurnRecord, TurnSource
from ...tools.base import Tool, ToolCall, ToolResult
from ...tools.toolbox import Toolbox
from ..consistency import ConsistencyCheck
from ..history import PromptBuilder
from ..intents import IntentHandler
from ..request import ConversationRequest
from ..speculation import Delta, Speculation, claim
from ..tool_turn import ToolTurn, failure_reasons, final_speech
from ..truth import ClaimGate
from .base import Answer

_LOGGER = logging.getLogger(__name__)

NOT_UNDERSTOOD = "I didn't understand what to do in the home, so nothing was changed."
HISTORY_TURNS = 64
"""Most past turns read from the store for a prompt (the token budget usually keeps fewer)."""


class ModelResponder:
    """The language-model chain (and its tools); always answers, so it is asked last."""

    name = "model"

    def __init__(
        self, settings: LlmSettings, chain: LlmChain, store: HistoryStore, phrases: IntentHandler,
        toolbox: Toolbox | None = None,
    ) -> None:
        self.settings = settings
        self.chain = chain
        self.store = store
        self.phrases = phrases
        self.toolbox = toolbox
        self.prompts = PromptBuilder(settings.system_prompt)
        self.tool_prompts = PromptBuilder(settings.tools_system_prompt)
        """Prompts of turns that offer tools (their own system prompt: one that may act)."""
        self.consistency = ConsistencyCheck(phrases.phrase("en", "not_sure")) if settings.consistency_check else None
        """``--llm-consistency-check``: "I'm not sure" where the model's answer and its bare answer
        disagree (``consistency.py``); turns with tools and speculated turns are not checked."""

    async def respond(self, request: ConversationRequest) -> Answer:
        return _ModelAnswer(self, request)

    async def act_on_home(self, request: ConversationRequest, veto: Callable[[ToolCall], str | None]) -> Answer:
        """A home command the templates missed, tried with the tools: only the tools' confirmed
        results (or an honest failure) are spoken; ``veto`` refuses calls that open the house."""
        return _ModelAnswer(self, request, home=True, veto=veto)

    async def speculate(self, request: ConversationRequest) -> Speculation | None:
        """The first round exactly as the commit would ask it (the same tools, prompt and area),
        started now; a tool call it makes is only an item in the stream: it runs at commit, if ever."""
        history = await self.history_key(request.conversation_id)
        turn = ToolTurn(self.toolbox, max_rounds=self.settings.tool_rounds)
        build = turn.messages(self.messages_for(request, await turn.start()))
        offered = turn.offered()
        chain = self.chain
        return Speculation(request.conversation_id, request.text, history, lambda: chain.stream(build, offered))

    async def warm_tools(self) -> None:
        """Evaluate the tools' prompt prefix once, in the background, so the first tool turn finds
        it in the model's cache."""
        if self.toolbox is None:
            return
        try:
            turn = ToolTurn(self.toolbox)
            tools = await turn.start()
            if not tools:
                return
            # The first backend directly, not through the chain: a long first evaluation must not
            # count as the model failing its first-token deadline (health, cool-down).
            backend = self.chain.backends[0]
            messages = await self.messages_for(ConversationRequest("warm-up", "Hello"), tools)(backend)
            async with asyncio.timeout(self.settings.start_timeout_s), contextlib.aclosing(backend.stream(messages, tools)) as stream:
                async for _ in stream:
                    break  # the first token means the prefix is in the cache: stop there
        except (LlmError, TimeoutError) as err:
            _LOGGER.info("the tool prompt was not warmed: %r", err)

    async def first_round(self, request: ConversationRequest, build: MessageBuilder, offered: Sequence[Tool]) -> AsyncIterator[Delta]:
        """The speculation on this very request when there is one (its first words may be
        generated already), else a new stream of ``build``."""
        speculation = await claim(request.speculation, request.text, lambda: self.history_key(request.conversation_id))
        if speculation is not None:
            return speculation.deltas()
        if self.consistency is not None and not offered:
            return self.consistency.stream(self.chain, build, request.text)
        return self.chain.stream(build, offered)

    async def history_key(self, conversation_id: str) -> tuple[int, ...]:
        """The stored turns a prompt for this conversation would read now."""
        return tuple(turn.id for turn in await self.store.recent_turns(conversation_id, HISTORY_TURNS))

    def messages_for(self, request: ConversationRequest, tools: Sequence[Tool] = ()) -> MessageBuilder:
        """The chain's per-backend message builder for this turn (history read once, lazily).

        With ``tools``: the tools' system prompt, and room kept for the schemas the template adds.
        """
        history: list[list[TurnRecord]] = []
        prompts = self.tool_prompts if tools else self.prompts
        # The providers' instructions follow the system prompt: together with the tools they are
        # the same for every turn, a cached prefix.
        instructions = self.toolbox.instructions if tools and self.toolbox is not None else ""
        schemas = [json.dumps(tool.as_openai()) for tool in tools] + ([instructions] if instructions else [])
        note = f"I am in the {request.area} area." if request.area else None
        conversation_id, text = request.conversation_id, request.text

        async def build(backend: LanguageModel) -> Sequence[ChatMessage]:
            if not history:
                turns = await self.store.recent_turns(conversation_id, HISTORY_TURNS)
                # A failed turn's apology is not context the model should imitate, nor a tool's
                # result or an answer about the home: shown without what made it true, it teaches
                # the model to answer the next command with "Turned on ..." and no call.
                history.append([turn for turn in turns if turn.source not in ("apology", "tool", "home")])
            prompt = await prompts.build(backend, conversation_id, history[0], text, also=schemas, note=note)
            _LOGGER.debug(
                "conversation %s: %s prompt with %d past turn(s) (%d left out), %d tokens",
                conversation_id, backend.name, prompt.kept_turns, prompt.dropped_turns, prompt.tokens,
            )
            if instructions:
                system = prompt.messages[0]
                return [{**system, "content": f"{system['content']}\n\n{instructions}"}, *prompt.messages[1:]]
            return prompt.messages

        return build


_Item: TypeAlias = tuple[LanguageModel, str | ToolCall]
"""What a round's stream yields: words, or a call the model asks for, with the backend."""


@dataclass
class _Round:
    """One round of generation: where its words start, the calls it asked for, its held words."""

    said: int
    """How many reply parts were spoken before this round."""
    calls: list[ToolCall] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    """Words that came after a failed call: not spoken, but shown to the tools with the calls."""


class _ModelAnswer:
    """One model turn: rounds of generation and tool calls, every claim through the gate.

    ``deltas`` is a sequence of steps over this turn's state: the rounds (``_rounds``, each
    streamed by ``_generate``, tool results by ``_tool_speech``), then the honest ending after
    failed calls or a cut claim, the apology when the model broke off, or the empty answer.
    """

    def __init__(
        self, responder: ModelResponder, request: ConversationRequest, *, home: bool = False,
        veto: Callable[[ToolCall], str | None] | None = None,
    ) -> None:
        self.responder = responder
        self.request = request
        self.home = home
        """A request about the home: the model's own words are never spoken."""
        self.veto = veto
        self.source: TurnSource = "llm"
        self.backend: str | None = None
        self.model: str | None = None
        self._parts: list[str] = []
        """What was spoken so far, piece by piece."""
        self._last_backend: LanguageModel | None = None
        """The backend that generated the latest words (the chain may have fallen back)."""
        # Nothing is confirmed until a tool result in this turn says an action happened: until
        # then no reply may claim one.
        self._gate = ClaimGate(confirmed=False)
        self._failures: list[str] = []
        """Reasons of failed calls not yet made good by a later call: said at the end, honestly."""
        self._unsaid: list[str] = []
        """With ``home``: the model's own words, never spoken."""

    def _phrase(self, key: str, **fields: str) -> str:
        return self.responder.phrases.phrase(self.request.language, key, **fields)

    def _say(self, text: str) -> str:
        """Add ``text`` to the reply (after a space when something was said); returns the piece."""
        self._parts.append(f" {text}" if self._parts else text)
        return self._parts[-1]

    async def deltas(self) -> AsyncIterator[str]:
        """The reply, piece by piece as it may be spoken (the steps: see the class docstring)."""
        # Made here, not in __init__: the turn's tool time budget starts when the answer does.
        turn = ToolTurn(self.responder.toolbox, max_rounds=self.responder.settings.tool_rounds, veto=self.veto)
        try:
            async for delta in self._rounds(turn):
                yield delta
            if (ending := self._honest_ending()) is not None:
                yield ending
        except LlmError as err:
            for delta in self._apology(err):
                yield delta
        else:
            if (ending := self._no_words_ending()) is not None:
                yield ending
        if self._last_backend is not None:
            self.backend, self.model = self._last_backend.name, self._last_backend.model

    async def _rounds(self, turn: ToolTurn) -> AsyncIterator[str]:
        """Generate, run the calls the model asked for, generate again, until an answer stands."""
        responder = self.responder
        build = turn.messages(responder.messages_for(self.request, await turn.start()))
        stream: AsyncIterator[_Item] = await responder.first_round(self.request, build, turn.offered())
        while True:
            round_ = _Round(said=len(self._parts))
            async for delta in self._generate(stream, round_):
                yield delta
            if self._gate.blocked or not round_.calls or not turn.tools:
                return
            results = await turn.run(round_.calls, "".join(self._parts[round_.said:]) + "".join(round_.held))
            if (spoken := self._tool_speech(turn, results)) is not None:
                yield spoken
                return
            if self._failures and not turn.offered():
                return  # no round left to put it right: the model's answer would only be dropped
            # A look-up confirms nothing, nor does a failed call: the model goes on from the results.
            self._gate = ClaimGate(confirmed=False)
            stream = responder.chain.stream(build, turn.offered())

    async def _generate(self, stream: AsyncIterator[_Item], round_: _Round) -> AsyncIterator[str]:
        """One round's stream through the claim gate: its words (spoken, held or unsaid), its calls."""
        gate = self._gate
        async for backend, item in stream:
            self._last_backend = backend
            if isinstance(item, ToolCall):
                round_.calls.append(item)
                continue
            released = gate.feed(item)
            if gate.blocked:
                await stream.aclose()  # type: ignore[attr-defined]  # stops the generation: the rest is not spoken
                return
            if not self._parts:
                released = released.lstrip()  # completions start with the space after "Aria:"
            if released and self._failures:
                # After a failed call only a new call can put it right: words mean the model
                # is answering instead, and the honest failure is said in their place.
                round_.held.append(released)
                await stream.aclose()  # type: ignore[attr-defined]
                return
            if released and self.home:
                self._unsaid.append(released)
            elif released:
                self._parts.append(released)
                yield released
        released = gate.finish()
        if not self._parts:
            released = released.lstrip()
        if released and self._failures:
            round_.held.append(released)
        elif released and self.home:
            self._unsaid.append(released)
        elif released:
            self._parts.append(released)
            yield released

    def _tool_speech(self, turn: ToolTurn, results: Sequence[ToolResult]) -> str | None:
        """What the tools confirmed, said in their words (and the calls that failed), or None."""
        confirmed = final_speech(results)
        self._failures = [] if confirmed else self._failures + failure_reasons(results)
        if not confirmed:
            return None
        # The claim comes from the tool results, never from the model's words.
        self._gate = ClaimGate(confirmed=turn.confirmed)
        spoken = " ".join(confirmed)
        if reasons := failure_reasons(results):
            spoken = f"{spoken} {self._phrase('tool_failed', reason='; '.join(reasons))}"
        spoken = self._gate.feed(spoken) + self._gate.finish()
        self.source = "tool"
        return self._say(spoken)

    def _honest_ending(self) -> str | None:
        """After the rounds: the calls that failed, or the refusal of a claim the gate cut."""
        if self._failures:  # (a claim the model made meanwhile was cut: the failure is what is true)
            honest = self._phrase("tool_failed", reason="; ".join(dict.fromkeys(self._failures)))
            self.source = "tool"
            return self._say(honest)
        if self._gate.blocked:
            _LOGGER.info("conversation %s: the model claimed an action nothing carried out; cut", self.request.conversation_id)
            self.source = "guard"
            return self._say(self._phrase("claim_refused"))
        return None

    def _apology(self, err: LlmError) -> Iterator[str]:
        """The model broke off: the words the gate still held, then the apology."""
        _LOGGER.warning("conversation %s: no answer from the language model: %s", self.request.conversation_id, err)
        parts = self._parts
        # The words the claim gate still held were said by the model before it broke off.
        held_text = "" if self._gate.blocked else self._gate.finish()
        if not parts:
            held_text = held_text.lstrip()
        if held_text:
            parts.append(held_text)
            yield held_text
        apology = self._phrase("llm_interrupted" if parts else "llm_unavailable")
        parts.append(_after("".join(parts), apology))
        self.source = "apology"
        yield parts[-1]

    def _no_words_ending(self) -> str | None:
        """A turn that said nothing says why; a spoken one notes when a fallback backend spoke it."""
        if not self._parts and self.home:
            _LOGGER.info("conversation %s: no tool confirmed the home command; the model's words are not said: %r",
                         self.request.conversation_id, "".join(self._unsaid)[:200])
            self.source = "guard"
            self._parts.append(NOT_UNDERSTOOD)
            return self._parts[-1]
        if not self._parts:
            self._parts.append(self._phrase("llm_empty"))
            return self._parts[-1]
        if self.source == "llm" and self._last_backend is not None and self.responder.chain.backends[0] is not self._last_backend:
            self.source = "fallback"
        return None


def _after(so_far: str, apology: str) -> str:
    """The apology as it continues a cut-off answer: "The moon is" + " … Sorry, I lost ...".

    Without the mark the words ran together ("The moon is Sorry, I lost my train of thought."),
    and TTS spoke them as one sentence; "…" ends the broken sentence for the ear and the chunker.
    """
    apology = apology.strip()
    if not so_far.strip():
        return apology
    lead = "" if so_far[-1].isspace() else " "
    ended = so_far.rstrip().endswith((".", "!", "?", "…"))
    return f"{lead}{apology}" if ended else f"{lead}… {apology}"
