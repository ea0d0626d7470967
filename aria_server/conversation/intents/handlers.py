"""Answers to the local intents: deterministic, in-process, in milliseconds.

``IntentHandler.handle`` recognises an utterance and answers it, or returns None so the
language model gets it. Everything said comes from the language's response templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...errors import TimerLimitError
from ..timers import MAX_TIMER_SECONDS, Timer, TimerService
from .language import LanguageData
from .parsing import IntentMatch, match_intent, sounds_unfinished, speak_duration

ASKS_FOR = {"timer_set": "duration"}
"""Intents answered with a question when this slot is missing ("set a timer for it": "For how
long?"): such words are no whole request but a sentence still going ("set a timer for ... ten
minutes", where Whisper heard the thinking pause as "it")."""


def _asks_back(match: IntentMatch) -> bool:
    """The request is answered with a question: what it needs (``ASKS_FOR``) was not said."""
    needed = ASKS_FOR.get(match.intent)
    return needed is not None and needed not in match.slots


@dataclass(frozen=True)
class IntentReply:
    """What a local intent answered."""

    intent: str
    text: str


@dataclass(frozen=True)
class _Request:
    match: IntentMatch
    language: LanguageData
    conversation_id: str | None
    session: str | None
    timers_ring: bool


class IntentHandler:
    """Local intents in every language given; the timers and the clock are injected."""

    def __init__(
        self,
        languages: Mapping[str, LanguageData],
        timers: TimerService,
        *,
        llm_available: bool,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.languages = dict(languages)
        self.timers = timers
        self.llm_available = llm_available
        self.clock = clock
        self._handlers: dict[str, Callable[[_Request], str]] = {
            "time": self._time,
            "date": self._date,
            "timer_set": self._timer_set,
            "timer_cancel": self._timer_cancel,
            "timer_cancel_all": self._timer_cancel_all,
            "timer_status": self._timer_status,
            "timer_add": self._timer_add,
            "help": self._help,
            "greeting": lambda r: self._say(r, "greeting"),
            "how_are_you": lambda r: self._say(r, "how_are_you"),
            "thanks": lambda r: self._say(r, "thanks"),
            "stop": lambda r: self._say(r, "stop"),
        }

    def language(self, code: str | None) -> LanguageData | None:
        """The data serving ``code`` (``en-US`` and ``en_GB`` are served by ``en``); None if none."""
        if not code:
            code = "en"
        return self.languages.get(code.replace("_", "-").split("-")[0].lower())

    def phrase(self, code: str | None, key: str, **fields: Any) -> str:
        """A response template of the language (English when the language has none) filled in."""
        data = self.language(code) or self.languages["en"]
        return data.responses[key].format(**fields)

    def matches(self, text: str, language: str | None) -> bool:
        """Whether ``text`` is a whole request a local intent answers (nothing is done); a request
        that stops mid-sentence ("set a timer") is not whole yet, whatever it matches."""
        data = self.language(language)
        if data is None or sounds_unfinished(text, data):
            return False
        match = match_intent(text, data)
        return match is not None and not _asks_back(match)

    def sounds_unfinished(self, text: str, language: str | None) -> bool:
        """Whether ``text`` stops where a request cannot end (see ``LanguageData.unfinished``)."""
        data = self.language(language)
        if data is None:
            return False
        if sounds_unfinished(text, data):
            return True
        match = match_intent(text, data)
        return match is not None and _asks_back(match)

    def handle(
        self,
        text: str,
        language: str | None,
        *,
        conversation_id: str | None = None,
        session: str | None = None,
        timers_ring: bool = True,
    ) -> IntentReply | None:
        """The local answer to ``text``, or None when no local intent matches it.

        ``timers_ring`` is False where a finished timer would reach no one (a Wyoming ``handle``
        client such as Home Assistant gets no timer events from Aria): a timer is then refused
        honestly instead of being set silently.
        """
        data = self.language(language)
        if data is None:
            return None
        match = match_intent(text, data)
        if match is None:
            return None
        reply = self._handlers[match.intent](_Request(match, data, conversation_id, session, timers_ring))
        return IntentReply(match.intent, reply)

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _say(request: _Request, key: str, **fields: Any) -> str:
        return request.language.responses[key].format(**fields)

    def _duration(self, request: _Request, seconds: int) -> str:
        return speak_duration(seconds, request.language)

    def _say_timer(self, request: _Request, key: str, timer: Timer, **fields: Any) -> str:
        """``key`` for an unnamed timer, ``key_named`` for a named one; ``total`` and ``name`` filled."""
        total = self._duration(request, timer.total_seconds)
        if timer.name:
            return self._say(request, f"{key}_named", name=timer.name, total=total, **fields)
        return self._say(request, key, total=total, **fields)

    def _find(self, request: _Request) -> tuple[Timer | None, str | None]:
        """The timer meant (by name, or the only one) or the response key explaining why not."""
        timers = self.timers.active(session=request.session)
        name = request.match.slots.get("name")
        if name:
            named = [t for t in timers if t.name == name]
            return (named[0], None) if named else (None, "timer_not_found")
        if not timers:
            return None, "no_timers"
        if len(timers) > 1:
            return None, "timer_which"
        return timers[0], None

    # -- intents -------------------------------------------------------------------------------

    def _time(self, request: _Request) -> str:
        now = self.clock()
        hour12 = now.hour % 12 or 12
        return self._say(
            request, "time", hour12=hour12, hour24=now.hour, minute=now.minute, ampm="AM" if now.hour < 12 else "PM"
        )

    def _date(self, request: _Request) -> str:
        now = self.clock()
        data = request.language
        return self._say(
            request, "date", weekday=data.weekdays[now.weekday()], month=data.months[now.month - 1],
            day=now.day, day_ordinal=data.ordinal(now.day), year=now.year,
        )

    def _timer_set(self, request: _Request) -> str:
        seconds = request.match.slots.get("duration")
        if not request.timers_ring:
            return self._say(request, "timer_cannot_ring")
        if not isinstance(seconds, int):  # _asks_back: never a whole request at a pause
            return self._say(request, "timer_ask_duration")
        name = request.match.slots.get("name")
        try:
            timer = self.timers.start(
                seconds, name=str(name) if name else None, conversation_id=request.conversation_id, session=request.session
            )
        except TimerLimitError as err:
            return self._say_limit(request, err)
        return self._say_timer(request, "timer_started", timer, duration=self._duration(request, timer.total_seconds))

    def _timer_cancel(self, request: _Request) -> str:
        timer, problem = self._find(request)
        if timer is None:
            assert problem is not None
            count = len(self.timers.active(session=request.session))
            return self._say(request, problem, name=request.match.slots.get("name", ""), count=count)
        self.timers.cancel(timer.id)
        return self._say_timer(request, "timer_cancelled", timer)

    def _timer_cancel_all(self, request: _Request) -> str:
        timers = self.timers.active(session=request.session)
        for timer in timers:
            self.timers.cancel(timer.id)
        if not timers:
            return self._say(request, "no_timers")
        if len(timers) == 1:
            return self._say(request, "timer_cancelled")
        return self._say(request, "timers_cancelled", count=len(timers))

    def _timer_status(self, request: _Request) -> str:
        timers = self.timers.active(session=request.session)
        name = request.match.slots.get("name")
        if name or len(timers) == 1:
            timer, problem = self._find(request)
            if timer is None:
                assert problem is not None
                return self._say(request, problem, name=name or "", count=len(timers))
            return self._say_timer(
                request, "timer_left", timer, duration=self._duration(request, self.timers.seconds_left(timer))
            )
        if not timers:
            return self._say(request, "no_timers")
        items = [
            self._say_timer(request, "timers_left_item", t, duration=self._duration(request, self.timers.seconds_left(t)))
            for t in timers
        ]
        return self._say(request, "timers_left", count=len(timers), items=request.language.join(items))

    def _timer_add(self, request: _Request) -> str:
        timer, problem = self._find(request)
        if timer is None:
            assert problem is not None
            count = len(self.timers.active(session=request.session))
            return self._say(request, problem, name=request.match.slots.get("name", ""), count=count)
        added = int(request.match.slots["duration"])
        try:
            updated = self.timers.add_time(timer.id, added)
        except TimerLimitError as err:
            return self._say_limit(request, err)
        assert updated is not None
        left = self._duration(request, self.timers.seconds_left(updated))
        return self._say(request, "timer_extended", added=self._duration(request, added), duration=left)

    def _say_limit(self, request: _Request, err: TimerLimitError) -> str:
        """A refused timer, said as such: the user must not believe it is running."""
        if err.code == "timer-too-long":
            return self._say(request, "timer_too_long", most=self._duration(request, MAX_TIMER_SECONDS))
        return self._say(request, "timer_too_many", count=len(self.timers.active(session=request.session)))

    def _help(self, request: _Request) -> str:
        text = self._say(request, "help")
        return text + self._say(request, "help_llm") if self.llm_available else text

    def announce_finished(self, timer: Timer, language: str | None = None) -> str:
        """What to say when ``timer`` rings (for the satellite side)."""
        data = self.language(language) or self.languages["en"]
        request = _Request(IntentMatch("timer_finished"), data, timer.conversation_id, timer.session, timers_ring=True)
        return self._say_timer(request, "timer_finished", timer)
