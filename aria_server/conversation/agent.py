"""The conversation agent: local intents first, then the language-model chain; every turn stored.

    reply(conversation_id, text)
      ├─ a local intent matches ──> its answer (milliseconds)
      ├─ the solver (solver/) ────> arithmetic, conversions, the calendar: computed, never generated
      ├─ Home Assistant (home/) ──> its own intent engine's answer when it understood (no model);
      │                             a device request it could not be asked about gets a clear
      │                             "I can't reach Home Assistant" / "refused my token"
      ├─ truth guard (truth.py) ──> a device request without home control, or a live question
      │                             without a tool: an honest "I can't ..." (never the model)
      ├─ no language model ───────> "without a language model I can only do ..."
      └─ the chain streams ───────> text deltas through the claim gate (no unconfirmed "Done");
                                    with tools (tool_turn.py) the model may call Home Assistant's
                                    tools first: a confirmed action is said in the tool result's
                                    words, a failed call honestly; on failure a short spoken apology
    then the turn is written to the history (one committed row), unless it was cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from datetime import date
from typing import Any

from ..errors import HomeError, HomeUnauthorized, LlmError
from ..home.client import HomeAssistantClient
from ..llm.base import ChatMessage, LanguageModel
from ..llm.fallback import LlmChain, MessageBuilder
from ..settings import LlmSettings
from ..store.db import Database
from ..store.history import HistoryStore, NewTurn, TurnRecord, TurnSource
from ..tools.base import Tool, ToolCall
from ..tools.toolbox import Toolbox
from .consistency import ConsistencyCheck
from .history import PromptBuilder
from .intents import IntentHandler
from .sessions import ConversationSessions
from .solver import solve
from .speculation import Delta, Speculation, Speculations
from .timers import TimerService
from .tool_turn import ToolTurn, failure_reasons, final_speech
from .truth import ClaimGate, RequestKind, classify

_LOGGER = logging.getLogger(__name__)

HOME_RETRY_S = 30.0
"""After Home Assistant failed, general questions skip it this long (device requests still ask),
so a hung Home Assistant does not add its timeout to every question the model answers."""
HISTORY_TURNS = 64
"""Most past turns read from the store for a prompt (the token budget usually keeps fewer)."""


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
        self.chain = chain
        self.db = db
        self.store = HistoryStore(db)
        """Conversations and turns (the HTTP API lists and reads them here)."""
        self.sessions = ConversationSessions(self.store, settings.conversation_idle_s)
        self.prompts = PromptBuilder(settings.system_prompt)
        self.tool_prompts = PromptBuilder(settings.tools_system_prompt)
        """Prompts of turns that offer tools (their own system prompt: one that may act)."""
        self._warming: asyncio.Task[None] | None = None
        self.toolbox = toolbox
        """The language model's tools (Home Assistant's MCP tools, call_service); None: no tools."""
        self.home = home
        """Home Assistant, when ``--ha-url`` is set (its intent engine is asked before the model)."""
        self.home_control = home is not None or toolbox is not None
        """Whether home control is configured: only then may device requests go past the guard."""
        self.live_tools = False
        """Whether a tool can look up live facts (weather, news, prices); none yet."""
        self.speculations = Speculations()
        """Replies started on a quick transcript before the turn ended (``speculate``)."""
        self.consistency = ConsistencyCheck(intents.phrase("en", "not_sure")) if settings.consistency_check else None
        """``--llm-consistency-check``: "I'm not sure" where the model's two answers disagree (issue 24)."""

    @property
    def timers(self) -> TimerService:
        """The timers set by voice (subscribe to announce them)."""
        return self.intents.timers

    @property
    def languages(self) -> list[str]:
        """Languages this agent accepts (others are not handled)."""
        return list(self.settings.languages)

    def is_complete_request(self, text: str, language: str | None = None, satellite: str | None = None) -> bool:
        """Whether ``text`` is already a whole request: a local intent matches it, or, with Home
        Assistant configured and answering, it is a whole device command naming what Home Assistant
        knows ("turn on the kitchen light"; "turn on the light" from a ``satellite`` with a device)."""
        if self.intents.matches(text, language):
            return True
        if self.home is None:
            return False
        try:
            return self._whole_device_command(text, language, satellite)
        except Exception:  # a failed check must cost only the early end, never the turn
            _LOGGER.exception("could not judge %r as a whole device command", text)
            return False

    def _whole_device_command(self, text: str, language: str | None, satellite: str | None) -> bool:
        # English only: the device-command patterns and the command words are English. The quick
        # transcript becomes final, so its target must be a name Home Assistant has (the check that
        # the quick pass heard it right); anything else waits for the full decode as before.
        assert self.home is not None
        return (
            _is_english(language)
            and classify(text) is RequestKind.DEVICE_COMMAND
            and not self.intents.sounds_unfinished(text, language)
            and self.home.knows_target(text, satellite)
        )

    def sounds_unfinished(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` stops mid-sentence ("set a timer for"): the speaker is still thinking."""
        return self.intents.sounds_unfinished(text, language)

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
        if self.chain is not None:
            await self.chain.start()
        if self.chain is not None and self.toolbox is not None:
            self._warming = asyncio.create_task(self._warm_tools(), name="warm tool prompt")

    async def _warm_tools(self) -> None:
        """Evaluate the tools' prompt prefix (system prompt, tools, Home Assistant's instructions) once,
        in the background, so the first tool turn finds it in the model's cache."""
        assert self.chain is not None and self.toolbox is not None
        try:
            turn = ToolTurn(self.toolbox)
            tools = await turn.start()
            if not tools:
                return
            # The first backend directly, not through the chain: a long first evaluation must not
            # count as the model failing its first-token deadline (health, cool-down).
            backend = self.chain.backends[0]
            messages = await self._messages_for("warm-up", "Hello", tools)(backend)
            async with asyncio.timeout(self.settings.start_timeout_s), contextlib.aclosing(backend.stream(messages, tools)) as stream:
                async for _ in stream:
                    break  # the first token means the prefix is in the cache: stop there
        except (LlmError, TimeoutError) as err:
            _LOGGER.info("the tool prompt was not warmed: %r", err)

    async def aclose(self) -> None:
        """Stop the models, drop the timers, close the database."""
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.speculations.aclose()
        if self.chain is not None:
            await self.chain.aclose()
        if self.toolbox is not None:
            await self.toolbox.aclose()
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
        # (Home Assistant is its own stage in /health: see home_health.)
        if self.chain is None:
            return {
                **base, "status": "disabled", "backend": "none", "model": None, "loaded": False,
                "fallback_in_use": False, "last_error": None, "chain": [],
            }
        return {**base, **self.chain.health()}

    async def reply(
        self, conversation_id: str, text: str, *, language: str | None = None, timers_ring: bool = True,
        satellite: str | None = None, area: str | None = None,
    ) -> AsyncGenerator[str, None]:
        """Text deltas of the answer; the turn is stored once the answer is complete.

        ``timers_ring``: whether a timer set in this turn can ring where the user is (see
        ``IntentHandler.handle``). ``satellite``: the satellite that heard it (Home Assistant then
        narrows "the light" to its area). ``area``: the satellite's area, when known (the language
        model is told, since Home Assistant's MCP tools know no device).

        Never raises for a failing model (the user hears a short apology instead); cancellation
        propagates, and a cancelled turn is not stored.
        """
        started = time.time()
        session = self.sessions.session_of(conversation_id)
        local = self.intents.handle(
            text, language, conversation_id=conversation_id, session=session, timers_ring=timers_ring
        )
        if local is not None:
            _LOGGER.debug("intent %s answered %r", local.intent, text)
            yield local.text
            await self._store(conversation_id, text, local.text, "intent", started, language)
            return
        # -- issue 24 hook: computed answers (solver/), before Home Assistant and the model, so no
        # model can change the number. (To become a responder: request -> answer | None.)
        if _is_english(language) and (solved := solve(text, date.today())) is not None:
            yield solved.text
            await self._store(conversation_id, text, solved.text, "solver", started, language)
            return
        if self.home is not None and (home := await self._ask_home(text, language, satellite)) is not None:
            answer, source = home
            yield answer
            await self._store(conversation_id, text, answer, source, started, language, "home-assistant")
            return
        refusal = self._refusal(text, language)
        if refusal is not None:
            yield refusal
            await self._store(conversation_id, text, refusal, "guard", started, language)
            return
        if self.chain is None:
            answer = self.intents.phrase(language, "no_llm")
            yield answer
            await self._store(conversation_id, text, answer, "apology", started, language)
            return
        parts: list[str] = []
        source: TurnSource = "llm"
        backend: LanguageModel | None = None
        # Nothing is confirmed until a tool result in this turn says an action happened: until
        # then no reply may claim one.
        gate = ClaimGate(confirmed=False)
        turn = ToolTurn(self.toolbox, max_rounds=self.settings.tool_rounds)
        failures: list[str] = []
        """Reasons of failed calls not yet made good by a later call: said at the end, honestly."""
        if area is None:
            area = await self._area_of(satellite)
        try:
            build = turn.messages(self._messages_for(conversation_id, text, await turn.start(), area))
            first_round = True
            while True:
                calls: list[ToolCall] = []
                said = len(parts)
                held: list[str] = []
                if first_round:
                    # The first round may be under way already: started on the quick transcript.
                    stream = await self._llm_stream(conversation_id, text, build, turn.offered())
                    first_round = False
                else:
                    stream = self.chain.stream(build, turn.offered())
                async for backend, item in stream:
                    if isinstance(item, ToolCall):
                        calls.append(item)
                        continue
                    released = gate.feed(item)
                    if gate.blocked:
                        await stream.aclose()  # stops the generation: the rest is not spoken
                        break
                    if not parts:
                        released = released.lstrip()  # completions start with the space after "Aria:"
                    if released and failures:
                        # After a failed call only a new call can put it right: words mean the model
                        # is answering instead, and the honest failure is said in their place.
                        held.append(released)
                        await stream.aclose()
                        break
                    if released:
                        parts.append(released)
                        yield released
                else:
                    released = gate.finish()
                    if not parts:
                        released = released.lstrip()
                    if released and failures:
                        held.append(released)
                    elif released:
                        parts.append(released)
                        yield released
                if gate.blocked or not calls or not turn.tools:
                    break
                results = await turn.run(calls, "".join(parts[said:]) + "".join(held))
                confirmed = final_speech(results)
                failures = [] if confirmed else failures + failure_reasons(results)
                if confirmed:
                    # The claim comes from the tool results, never from the model's words.
                    gate = ClaimGate(confirmed=turn.confirmed)
                    spoken = " ".join(confirmed)
                    if reasons := failure_reasons(results):
                        honest = self.intents.phrase(language, "tool_failed", reason="; ".join(reasons))
                        spoken = f"{spoken} {honest}"
                    spoken = gate.feed(spoken) + gate.finish()
                    parts.append(f" {spoken}" if parts else spoken)
                    source = "tool"
                    yield parts[-1]
                    break
                if failures and not turn.offered():
                    break  # no round left to put it right: the model's answer would only be dropped
                # A look-up confirms nothing, nor does a failed call: the model goes on from the results.
                gate = ClaimGate(confirmed=False)
            if failures:  # (a claim the model made meanwhile was cut: the failure is what is true)
                honest = self.intents.phrase(language, "tool_failed", reason="; ".join(dict.fromkeys(failures)))
                parts.append(f" {honest}" if parts else honest)
                source = "tool"
                yield parts[-1]
            elif gate.blocked:
                _LOGGER.info("conversation %s: the model claimed an action nothing carried out; cut", conversation_id)
                honest = self.intents.phrase(language, "claim_refused")
                parts.append(f" {honest}" if parts else honest)
                source = "guard"
                yield parts[-1]
        except LlmError as err:
            _LOGGER.warning("conversation %s: no answer from the language model: %s", conversation_id, err)
            # The words the claim gate still held were said by the model before it broke off.
            held = "" if gate.blocked else gate.finish()
            if not parts:
                held = held.lstrip()
            if held:
                parts.append(held)
                yield held
            apology = self.intents.phrase(language, "llm_interrupted" if parts else "llm_unavailable")
            parts.append(_after(("".join(parts)), apology))
            source = "apology"
            yield parts[-1]
        else:
            if not parts:
                parts.append(self.intents.phrase(language, "llm_empty"))
                yield parts[-1]
            elif source == "llm" and backend is not None and self.chain.backends[0] is not backend:
                source = "fallback"
        await self._store(
            conversation_id, text, "".join(parts).strip(), source, started, language,
            backend.name if backend else None, backend.model if backend else None,
        )

    async def _ask_home(self, text: str, language: str | None, satellite: str | None = None) -> tuple[str, TurnSource] | None:
        """Home Assistant's answer when its intent engine understood ``text``; for a device request
        it could not be asked about, the honest reason; else None (the language model goes next).

        Its speech is spoken as it is: Home Assistant said "Turned on the light" only after it did
        (its agent answers ``action_done`` after the service call returned)."""
        assert self.home is not None
        device = _is_english(language) and classify(text) in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE)
        state = self.home.state
        if not device and state.failed_at is not None and time.monotonic() - state.failed_at < HOME_RETRY_S:
            return None  # a general question does not wait on a Home Assistant that just failed
        try:
            reply = await self.home.process(text, language, satellite=satellite)
        except HomeError as err:
            _LOGGER.warning("Home Assistant could not be asked [%s]: %s", err.code, err.message)
            if not device:
                return None
            key = "home_unauthorized" if isinstance(err, HomeUnauthorized) else "home_unreachable"
            return self.intents.phrase(language, key), "apology"
        if reply.understood:
            _LOGGER.debug("Home Assistant answered %r (%s)", text, reply.response_type)
            answer = reply.speech.strip()
            if reply.failed:
                # Home Assistant says "Turned on the lights" when only some of them answered.
                ended = answer if answer.endswith((".", "!", "?")) else f"{answer}."
                answer = f"{ended} {self.intents.phrase(language, 'home_partly_failed', names=_names(reply.failed))}"
            return answer, "home"
        _LOGGER.debug("Home Assistant did not understand %r (%s); the language model goes next", text, reply.error_code)
        return None

    def _refusal(self, text: str, language: str | None) -> str | None:
        """The honest answer to a request the model could only invent an answer or an action for."""
        if not _is_english(language):
            return None  # the request patterns are English
        kind = classify(text)
        if kind in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE) and not self.home_control:
            return self.intents.phrase(language, "no_home_control")
        if kind is RequestKind.LIVE_INFO and not self.live_tools:
            return self.intents.phrase(language, "cannot_check")
        return None

    async def speculate(
        self, conversation_id: str, text: str, *, language: str | None = None, satellite: str | None = None
    ) -> Speculation | None:
        """Start the language model on ``text`` (a quick transcript of a turn that looks complete)
        now, so the reply is under way when the final transcript confirms it (``speculation.py``).

        None where the reply would not come from the model anyway, or must not be guessed at:
        speculation off, no model, a local intent, a device request (only ever answered by what
        acts on the home) or a question the truth guard answers. Nothing runs but the generation.
        """
        if not self.settings.speculative or self.chain is None or not text.strip():
            return None
        device = _is_english(language) and classify(text) in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE)
        if device or self.intents.matches(text, language) or self._refusal(text, language) is not None:
            return None
        if _is_english(language) and solve(text, date.today()) is not None:
            return None  # issue 24: the solver answers it, the model is not asked
        history = await self._history_key(conversation_id)
        # The first round exactly as the commit would ask it: the same tools, prompt and area. A
        # tool call it makes is only an item in the stream: it runs at commit, if ever.
        turn = ToolTurn(self.toolbox, max_rounds=self.settings.tool_rounds)
        area = await self._area_of(satellite)
        build = turn.messages(self._messages_for(conversation_id, text, await turn.start(), area))
        offered = turn.offered()
        chain = self.chain
        return self.speculations.start(conversation_id, text, history, lambda: chain.stream(build, offered))

    async def _llm_stream(
        self, conversation_id: str, text: str, build: MessageBuilder, offered: Sequence[Tool]
    ) -> AsyncIterator[Delta]:
        """The model's first round for this turn: the speculation on this very request when there
        is one (its first words may be generated already), else a new stream of ``build``."""
        speculation = await self.speculations.take(conversation_id, text, lambda: self._history_key(conversation_id))
        if speculation is not None:
            return speculation.deltas()
        assert self.chain is not None
        if self.consistency is not None and not offered:  # issue 24 hook: consistency.py
            return self.consistency.stream(self.chain, build, text)
        return self.chain.stream(build, offered)

    async def _area_of(self, satellite: str | None) -> str | None:
        """The satellite's area for the model's context (Home Assistant's MCP tools know no device)."""
        if satellite is None or self.home is None:
            return None
        return await self.home.area_of(satellite)

    async def _history_key(self, conversation_id: str) -> tuple[int, ...]:
        """The stored turns a prompt for this conversation would read now."""
        return tuple(turn.id for turn in await self.store.recent_turns(conversation_id, HISTORY_TURNS))

    def _messages_for(
        self, conversation_id: str, text: str, tools: Sequence[Tool] = (), area: str | None = None
    ) -> MessageBuilder:
        """The chain's per-backend message builder for this turn (history read once, lazily).

        With ``tools``: the tools' system prompt, and room kept for the schemas the template adds.
        """
        history: list[list[TurnRecord]] = []
        prompts = self.tool_prompts if tools else self.prompts
        # The providers' instructions (Home Assistant's names its devices and areas) follow the
        # system prompt: together with the tools they are the same for every turn, a cached prefix.
        instructions = self.toolbox.instructions if tools and self.toolbox is not None else ""
        schemas = [json.dumps(tool.as_openai()) for tool in tools] + ([instructions] if instructions else [])
        note = f"I am in the {area} area." if area else None

        async def build(backend: LanguageModel) -> Sequence[ChatMessage]:
            if not history:
                turns = await self.store.recent_turns(conversation_id, HISTORY_TURNS)
                # A failed turn's apology is not context the model should imitate, nor a tool's
                # result: shown without the call that made it true, it teaches the model to answer
                # the next command with "Turned on ..." and no call.
                history.append([turn for turn in turns if turn.source not in ("apology", "tool")])
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

    async def _store(
        self,
        conversation_id: str,
        user_text: str,
        reply_text: str,
        source: TurnSource,
        started: float,
        language: str | None,
        backend: str | None = None,
        model: str | None = None,
    ) -> None:
        await self.store.add_turn(
            NewTurn(
                conversation_id=conversation_id, user_text=user_text, reply_text=reply_text, source=source,
                started_at=started, ended_at=time.time(), session=self.sessions.session_of(conversation_id),
                language=language, backend=backend, model=model,
            )
        )
        self.sessions.touch(conversation_id)


def _names(names: tuple[str, ...]) -> str:
    """ "A", "A and B", "A, B and C" for a spoken sentence."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _is_english(language: str | None) -> bool:
    return not language or language.replace("_", "-").split("-")[0].lower() == "en"


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
