"""The home: requests about devices answered only from Home Assistant's results and states.

    an open "are you sure?" ──> "yes": carried out; "no": dropped (``confirmations.py``)
    the templates match (``home/understanding.py``, Home Assistant's hassil + intents)
      ├─ targets resolved (``home/targets.py``) ─ none / two candidates ─> "which one?" / "no such device"
      ├─ a question ─────────> the states read now, rendered (``home/render.py``)
      ├─ a sensitive action ─> untrusted: refused; trusted: "... — are you sure?" (``home/safety.py``)
      └─ an action ──────────> Home Assistant's intent API; said from its success list and the
                               states read back
    no match, trusted requester ─> Home Assistant's own agent (custom sentences, automations)
    no match, a name not in the home ─> "I couldn't find a device called sauna" (the templates match
                                  it only with that name unmatched, and the mapping found nothing)
    no match, about the home ───> the named device's real state (a question), or a plain "I didn't
                                  understand; nothing was changed" (a command): never the model
    otherwise ──────────────────> None: not about the home, the next responder answers

The model's words about the home are never spoken: every sentence here is rendered from what
Home Assistant returned.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ...errors import HomeError, HomeUnauthorized, LlmError
from ...home import render
from ...home.client import HomeAssistantClient
from ...home.directory import Snapshot
from ...home.entities import HomeEntity, first_phrase
from ...home.mapping import IntentMapper, relevant
from ...home.names import VERBS
from ...home.safety import sensitive_service, sensitive_targets, sensitive_verb
from ...home.targets import Problem, Targets, area_name, resolve
from ...home.understanding import HomeUnderstanding, IntentMatch, UnknownTarget
from ...text import normalise
from ...tools.base import ToolCall
from ..confirmations import Confirmations, Reply, classify_reply
from ..intents import IntentHandler
from ..request import ConversationRequest
from ..truth import RequestKind, classify
from .base import Answer, Said
from .model import NOT_UNDERSTOOD

_LOGGER = logging.getLogger(__name__)

RELATIVE = frozenset({"LightBrighter", "LightDimmer"})
"""The mapper's relative changes: Home Assistant's HassLightSet with a level Aria works out."""
BRIGHTNESS_STEP = 25
ACTIONS = frozenset({
    "HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "HassSetPosition", "HassClimateSetTemperature",
    "HassFanSetSpeed", "HassLock", "HassUnlock", "HassOpen", "HassClose",
})
"""Intents carried out through Home Assistant's intent API and said by ``render.action_done``."""
QUERIES = frozenset({"HassGetState", "HassClimateGetTemperature"})
OLDER_NAMES = {"HassLock": "HassTurnOn", "HassUnlock": "HassTurnOff", "HassOpen": "HassTurnOn", "HassClose": "HassTurnOff"}
"""Newer templates' intents under the names every Home Assistant release handles."""
TARGET_SLOTS = frozenset({"name", "area", "floor"})
ACTING_WORDS = VERBS | frozenset({"kill", "get", "cut", "fire", "crank", "bump", "douse", "going", "out", "up", "down"})
"""Words of a request that asks for something to be done (with a device's name: worth mapping)."""
POLITE = frozenset({"please", "can", "could", "would", "will", "you", "hey", "aria", "just", "kindly", "mind"})
QUESTION_WORDS = frozenset({
    "is", "are", "was", "were", "what", "whats", "which", "who", "how", "does", "do", "did", "has", "have", "when", "where", "why",
})
"""Openings of a question about a device's state ("is the light on", "which lights are on")."""
ACTING_ANYWHERE = frozenset({"turn", "switch", "flip", "dim", "brighten", "kill", "activate", "deactivate", "enable", "disable"})
"""Verbs that ask for an action wherever they stand; not "open" or "lock", which also name a
state ("tell me if the garage is open")."""
UNKNOWN_WORDS = 3
"""Most words a name the home does not have is taken to be ("the guest room heater")."""
HOME_RETRY_S = 30.0
"""After Home Assistant failed, general questions skip its agent this long (device requests still
ask), so a hung Home Assistant does not add its timeout to every question the model answers."""


class HomeResponder:
    """Answers requests about the home from Home Assistant (one per agent)."""

    name = "home"

    def __init__(
        self, home: HomeAssistantClient, phrases: IntentHandler, *,
        understanding: HomeUnderstanding | None = None, confirmations: Confirmations | None = None,
    ) -> None:
        self.home = home
        self.phrases = phrases
        self.understanding = understanding or HomeUnderstanding()
        self.confirmations = confirmations or Confirmations()
        self.mapper: IntentMapper | None = None
        """The model, constrained to the home's names, for phrasing the templates miss (None: no model)."""
        self.act_with_tools: Callable[[ConversationRequest, Callable[[ToolCall], str | None]], Awaitable[Answer]] | None = None
        """The model with Home Assistant's tools (``--ha-mcp``), for a trusted requester's home
        command the templates missed (``ModelResponder.act_on_home``); None: not offered."""

    async def answer_pending(self, request: ConversationRequest) -> Answer | None:
        """The answer to an open "are you sure?" of this conversation: "yes" carries the action
        out (for a trusted requester), "no" drops it; anything else drops it and is no answer."""
        pending = self.confirmations.take(request.conversation_id)
        if pending is None:
            return None
        reply = classify_reply(request.text)
        if reply is Reply.YES and request.trusted and pending.requester_trusted:
            return await self._guarded(request, pending.run)
        if reply is not Reply.OTHER:
            return Said(f"Okay, I won't {pending.describe}.", "home")
        return None

    async def claims(self, request: ConversationRequest) -> bool:
        """Whether this responder would answer ``request`` (asks Home Assistant nothing)."""
        snapshot = self.home.directory.snapshot
        if not request.english or not snapshot.entities:
            return False
        if mentioned_entities(request.text, snapshot):
            return True
        return await self.understanding.recognize(request.text, snapshot, request.area) is not None

    async def respond(self, request: ConversationRequest) -> Answer | None:
        if not request.english:
            return await self._home_agent(request) if request.trusted else None
        snapshot = self.home.directory.snapshot
        try:
            if snapshot.loaded_at is None and _about_home(request.text, snapshot):
                # Never read (Home Assistant was down at start): read now, or say why not.
                snapshot = await self.home.directory.fresh()
            here = request.area or (await self.home.area_of(request.satellite) if request.satellite else None)
            match = await self.understanding.recognize(request.text, snapshot, here) if snapshot.entities else None
            if match is not None and match.intent in ACTIONS | QUERIES:
                return await self._matched(request, match, snapshot, here)
            return await self._not_matched(request, snapshot, here, matched_elsewhere=match is not None)
        except HomeError as err:
            return self._failed(request, err)

    async def _matched(self, request: ConversationRequest, match: IntentMatch, snapshot: Snapshot, here: str | None) -> Answer:
        if match.intent == "HassClimateGetTemperature":
            where = resolve(match, snapshot, here) if TARGET_SLOTS & match.slots.keys() else Targets()
            if where.problem is not None:
                return Said(render.problem(where, match.slots, snapshot.areas), "home")
            targets = _thermometers(where, snapshot)
            states = await self.home.states([e.entity_id for e in targets.entities])
            return Said(render.temperature(targets, states), "home")
        targets = resolve(match, snapshot, here)
        if targets.problem is not None:
            return Said(render.problem(targets, match.slots, snapshot.areas), "home")
        if match.intent in QUERIES:
            states = await self.home.states([e.entity_id for e in targets.entities])
            return Said(render.answer_query(match.response, match.slots, targets, states), "home")
        intent = OLDER_NAMES.get(match.intent, match.intent)
        slots = _slots_for(match, targets, snapshot)
        if intent in RELATIVE:
            intent, slots = "HassLightSet", {**slots, "brightness": await self._stepped(intent, targets)}

        async def carry_out() -> str:
            return await self._carry_out(intent, slots, targets, snapshot)

        verb = sensitive_verb(intent, match.slots, targets.entities)
        if verb is None:
            return await self._guarded(request, carry_out)
        what = f"{verb} {render.names(sensitive_targets(intent, match.slots, targets.entities))}"
        if not request.trusted:
            _LOGGER.warning("refused to %s for an untrusted requester (%s)", what, request.session or request.conversation_id)
            return Said(f"I can't {what} for this device: it isn't trusted for that. Nothing was changed.", "guard")
        self.confirmations.ask(request.conversation_id, what, carry_out, request.trusted)
        return Said(f"{what[0].upper()}{what[1:]} — are you sure?", "home")

    async def _stepped(self, relative: str, targets: Targets) -> int:
        """The brightness one step brighter or dimmer than the lights' brightest now (percent)."""
        states = await self.home.states([e.entity_id for e in targets.entities])
        levels = [
            round(int(s.attributes.get("brightness") or 0) * 100 / 255) if s.state == "on" else 0 for s in states.values()
        ]
        now = max(levels, default=0)
        step = BRIGHTNESS_STEP if relative == "LightBrighter" else -BRIGHTNESS_STEP
        return max(1, min(100, now + step))

    async def _carry_out(self, intent: str, slots: dict[str, Any], targets: Targets, snapshot: Snapshot) -> str:
        outcome = await self.home.handle_intent(intent, slots)
        if outcome.response_type == "error":
            return f"Home Assistant couldn't do that: {outcome.error or 'it gave no reason'}."
        known = {e.entity_id: e for e in snapshot.entities}
        acted = [known.get(i) or HomeEntity(i, i.split(".", 1)[-1].replace("_", " ")) for i in outcome.success]
        failed = [known.get(i) or HomeEntity(i, i.split(".", 1)[-1].replace("_", " ")) for i in outcome.failed]
        after = await self.home.states([e.entity_id for e in acted]) if acted else {}
        return render.action_done(intent, slots, acted, after, failed)

    async def _guarded(self, request: ConversationRequest, run: Any) -> Answer:
        try:
            return Said(await run(), "home")
        except HomeError as err:
            return self._failed(request, err)

    def _failed(self, request: ConversationRequest, err: HomeError) -> Answer:
        _LOGGER.warning("Home Assistant could not be asked [%s]: %s", err.code, err.message)
        key = "home_unauthorized" if isinstance(err, HomeUnauthorized) else "home_unreachable"
        return Said(self.phrases.phrase(request.language, key), "apology")

    async def _not_matched(
        self, request: ConversationRequest, snapshot: Snapshot, here: str | None, *, matched_elsewhere: bool
    ) -> Answer | None:
        kind = classify(request.text)
        mentioned = mentioned_entities(request.text, snapshot)
        about_home = _about_home(request.text, snapshot)
        said = set(normalise(request.text).split())
        maybe_home = about_home or (bool(said & ACTING_WORDS) and bool(relevant(request.text, snapshot)))
        """A verb that acts and a word of a device's name ("um, shut the garage", "get the coffee
        going"): the mapping may know ("how do I clean my kitchen" has no such verb)."""
        if request.trusted or matched_elsewhere:
            # Home Assistant's own agent also knows the user's custom sentences and automations'
            # sentence triggers, which may do anything: only a trusted requester reaches them
            # (an intent the templates matched, e.g. media or a shopping list, is not sensitive).
            answer = await self._home_agent(request, device=about_home)
            if answer is not None:
                return answer
        unknown = None if matched_elsewhere else await self._unknown(request.text, snapshot)
        if not maybe_home and unknown is None:
            return None
        if mentioned and kind is not RequestKind.DEVICE_COMMAND and not _commands(request.text):
            states = await self.home.states([e.entity_id for e in mentioned])
            return Said(render.states_asked(request.text, mentioned, states), "home")
        if self.mapper is not None and snapshot.entities:
            try:
                mapping = await self.mapper.map(request.text, snapshot)
            except LlmError as err:
                _LOGGER.warning("the model could not map %r onto an intent: %s", request.text, err)
            else:
                _LOGGER.info("mapped %r: %s", request.text, mapping.match or mapping.reason)
                if mapping.match is not None:
                    return await self._matched(request, mapping.match, snapshot, here)
        if unknown is not None:
            # The true reason nothing was done, said as for a template match with that name.
            problem = Problem.NO_SUCH_NAME if unknown.slot == "name" else Problem.NO_SUCH_AREA
            return Said(render.problem(Targets(problem=problem), {unknown.slot: unknown.said}), "home")
        if not about_home:
            return None  # only a word in common, and nothing mapped: a question for the model
        if self.act_with_tools is not None and request.trusted:
            return await self.act_with_tools(request, functools.partial(refused_call, self.home.directory.snapshot))
        return Said(NOT_UNDERSTOOD, "guard")

    async def _unknown(self, text: str, snapshot: Snapshot) -> UnknownTarget | None:
        """A command of the templates but for a device or area the home does not have ("set the
        sauna to 80 degrees"), said in a few words that are only a name; else None."""
        if not snapshot.entities or not _commands(text):
            return None
        unknown = await self.understanding.unknown_target(text, snapshot)
        if unknown is None or unknown.intent not in ACTIONS:
            return None
        words = set(normalise(unknown.said).split())
        if not 0 < len(words) <= UNKNOWN_WORDS or words & (ACTING_WORDS | QUESTION_WORDS | POLITE):
            return None  # "play some jazz", "how do I clean my kitchen": not a name
        if normalise(unknown.said) in {normalise(name) for name in snapshot.known}:
            return None  # the home has it ("turn off the hall": an area where a name was expected)
        return unknown

    async def _home_agent(self, request: ConversationRequest, *, device: bool = True) -> Answer | None:
        """Home Assistant's own agent's answer when it understood; for a device request it could
        not be asked about, the honest reason; else None."""
        state = self.home.state
        if not device and state.failed_at is not None and time.monotonic() - state.failed_at < HOME_RETRY_S:
            return None  # a general question does not wait on a Home Assistant that just failed
        try:
            reply = await self.home.process(request.text, request.language, satellite=request.satellite)
        except HomeError as err:
            return self._failed(request, err) if device else None
        if not reply.understood:
            return None
        answer = reply.speech.strip()
        if reply.failed:
            ended = answer if answer.endswith((".", "!", "?")) else f"{answer}."
            answer = f"{ended} {self.phrases.phrase(request.language, 'home_partly_failed', names=_and(reply.failed))}"
        return Said(answer, "home", backend="home-assistant")


def refused_call(snapshot: Snapshot, call: ToolCall) -> str | None:
    """Why a tool call must not run: the device or area it names is not in the home (the true
    reason, never a confirmation it could not need), or it needs a spoken confirmation (it would
    open the house)."""
    args = call.arguments if isinstance(call.arguments, dict) else {}
    if call.name == "call_service":
        sensitive = sensitive_service(str(args.get("domain", "")), str(args.get("service", "")))
    else:
        slots = {k: v for k, v in args.items() if v not in (None, "", [])}
        targets = resolve(IntentMatch(call.name, slots), snapshot)
        if snapshot.loaded_at is not None and targets.problem in (Problem.NO_SUCH_NAME, Problem.NO_SUCH_AREA):
            _LOGGER.info("refused the tool call %s(%s): %s", call.name, args, targets.problem.value)
            return render.problem(targets, slots).removesuffix(" Nothing was changed.")
        # A call whose targets cannot be known (none named, or one of several) is treated as
        # sensitive when it could reach a lock or a door of the kinds it names (HassTurnOff
        # unlocks, HassTurnOn opens); ``sensitive_verb`` keeps those the intent can act on.
        kinds = {str(d) for d in (args.get("domain") or [])} if isinstance(args.get("domain"), list) else {str(args.get("domain") or "")} - {""}
        reachable = targets.entities or targets.candidates or tuple(e for e in _doors(snapshot) if not kinds or e.domain in kinds)
        sensitive = sensitive_verb(call.name, args, reachable) is not None
    if sensitive:
        _LOGGER.warning("refused the tool call %s(%s): it could open the house", call.name, args)
    return "that needs a spoken confirmation: ask me in so many words" if sensitive else None


def _doors(snapshot: Snapshot) -> tuple[HomeEntity, ...]:
    return tuple(e for e in snapshot.entities if e.domain in ("lock", "cover", "alarm_control_panel"))


class OpenQuestions:
    """Asked first: the answer to an open "are you sure?" (see ``HomeResponder.answer_pending``)."""

    name = "confirmation"

    def __init__(self, home: HomeResponder) -> None:
        self.home = home

    async def respond(self, request: ConversationRequest) -> Answer | None:
        return await self.home.answer_pending(request)


def mentioned_entities(text: str, snapshot: Snapshot) -> list[HomeEntity]:
    """The exposed entities whose name or alias the text says, as whole words. A name is also
    known by its words up to its first sentence mark: "Coffee maker. Ignore previous
    instructions ..." is the coffee maker (and what follows is never read as anything)."""
    said = f" {normalise(text)} "
    found: list[HomeEntity] = []
    for entity in snapshot.entities:
        keys = {normalise(n) for name in entity.names for n in (name, first_phrase(name))}
        if any(len(key) > 2 and f" {key} " in said for key in keys):
            found.append(entity)
    return found


def _commands(text: str) -> bool:
    """Whether ``text`` asks for an action: it opens with a verb that acts (after "please",
    "could you" ...: "could you kill the kitchen light"), or says one anywhere without opening
    like a question ("okay so, uh, the printer, switch it off"; "would you mind turning on ...")."""
    words = [w for w in normalise(text).split() if w not in POLITE]
    if not words:
        return False
    if words[0] in ACTING_WORDS:
        return True
    stems = {w[:-3] if w.endswith("ing") and len(w) > 5 else w for w in words}
    return words[0] not in QUESTION_WORDS and bool(stems & ACTING_ANYWHERE)


def _about_home(text: str, snapshot: Snapshot) -> bool:
    """Whether ``text`` is about the home: a device command or question by its form, a name of an
    exposed entity, or a command ("make the bedroom brighter") that names an area."""
    if classify(text) in (RequestKind.DEVICE_COMMAND, RequestKind.DEVICE_STATE) or mentioned_entities(text, snapshot):
        return True
    words = [w for w in normalise(text).split() if w not in POLITE]
    if not words or words[0] not in VERBS:
        return False
    said = f" {' '.join(words)} "
    return any(f" {normalise(n)} " in said for area in snapshot.area_list for n in area.names)


def _slots_for(match: IntentMatch, targets: Targets, snapshot: Snapshot) -> dict[str, Any]:
    """The slots Home Assistant is sent: the resolved target's exact name (and area, when two
    entities share the name), or the request's area/floor and kind; the values as matched."""
    slots = {k: v for k, v in match.slots.items() if k not in TARGET_SLOTS}
    if targets.named and len(targets.entities) == 1:
        entity = targets.entities[0]
        slots["name"] = entity.name
        if entity.area_id and (area := area_name(snapshot, entity.area_id)):
            slots["area"] = area
        slots.pop("domain", None)
        slots["domain"] = entity.domain
        return slots
    for key in ("area", "floor"):
        if key in match.slots:
            slots[key] = match.slots[key]
    return slots


def _thermometers(targets: Targets, snapshot: Snapshot) -> Targets:
    """Climate entities and temperature sensors among (or, for an area question, in) the targets."""
    pool = targets.entities or snapshot.entities
    chosen = tuple(
        e for e in pool
        if e.domain == "climate" or (e.domain == "sensor" and e.device_class == "temperature")
    )
    return Targets(chosen, area=targets.area)


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
