"""Truth rules, as structure rather than only as a prompt: what Aria may claim to have done.

Two checks, one on each side of the language model:

- ``classify(text)`` sorts the request before the model sees it. A home-device command or
  question with no home control configured, a question about live facts (weather, news,
  prices, scores, traffic) with no tool that can look them up, and one nothing here can know
  (the speaker's own facts, the future: ``no_source``) never reach the model: a small model
  asked "turn on the kitchen lights" answers "The kitchen lights are turned on.", asked for
  tomorrow's weather invents one, and asked "what's my dog's name" says "Max".
- ``ClaimGate`` checks the model's reply, clause by clause, before any of it is spoken. A
  clause that claims an action ("I turned on...", "Timer set", "Done") is never released unless
  a tool reported success during this turn (``confirmed``); the reply ends there with an honest
  sentence instead. Text is held back only to the end of the current clause, so a reply is
  still streamed phrase by phrase.

English only (the one language the local intents speak); other languages pass unchecked.
The patterns are deliberately broad: a refused true claim costs a sentence, a passed false one
costs the user's trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from ..text import normalise
from .no_source import a_forecast, about_the_speaker


class RequestKind(Enum):
    """What a request needs besides the language model."""

    GENERAL = "general"
    """The model can answer it from what it knows."""
    DEVICE_COMMAND = "device-command"
    """Change something in the home (needs home control)."""
    DEVICE_STATE = "device-state"
    """Ask about something in the home (needs home control)."""
    LIVE_INFO = "live-info"
    """Facts that change by the hour: weather, news, prices (needs a tool to look them up)."""
    ABOUT_THE_SPEAKER = "about-the-speaker"
    """A fact only the speaker knows: their things, past, thoughts (only the conversation can tell)."""
    FORECAST = "forecast"
    """An outcome nobody knows yet: who will win, the next lottery numbers, the speaker's fortune."""


_DEVICE = (
    r"(?:lights?|lamps?|bulbs?|fans?|heat(?:er|ing)?|thermostat|air ?con(?:ditioning|ditioner)?|a ?c|"
    r"doors?|garage|gate|blinds?|curtains?|shades?|shutters?|locks?|tv|television|radio|music|speakers?|"
    r"vacuum|robot|switch(?:es)?|plugs?|sockets?|outlets?|oven|kettle|coffee (?:machine|maker)|"
    r"dishwasher|washing machine|dryer|alarm system|sprinklers?|scene|boiler|humidifier|heater)"
)
_ACT = (
    r"(?:turn|switch|flip|put|dim|brighten|open|close|shut|lock|unlock|start|stop|pause|play|set|raise|"
    r"lower|increase|decrease|activate|deactivate|arm|disarm|run|enable|disable|make)"
)
_DEVICE_COMMAND = [
    re.compile(rf"^(?:please )?(?:turn|switch|flip) (?:on|off|up|down)\b"),
    re.compile(rf"^(?:please )?(?:turn|switch|flip) .*\b(?:on|off|up|down)$"),
    re.compile(rf"^(?:please )?{_ACT}\b.*\b{_DEVICE}\b"),
    re.compile(rf"^(?:can|could|would|will) you (?:please )?{_ACT}\b.*\b{_DEVICE}\b"),
    re.compile(rf"\b(?:it's|it is) (?:too )?(?:dark|cold|hot|warm) in (?:here|the)\b"),
]
_DEVICE_STATE = [
    re.compile(rf"^(?:is|are|did|was|were|have|has) (?:the |my |all the |any )?(?:[\w' ]+ )?{_DEVICE}\b"),
    re.compile(rf"^(?:which|what|how many) (?:[\w' ]+ )?{_DEVICE} (?:are|is) (?:on|off|open|closed|locked|unlocked|running)\b"),
    re.compile(r"^what(?: is|'s) the temperature (?:in|inside) (?:the |my )?(?!sun\b)\w+"),
    re.compile(r"^(?:is|are) (?:anyone|somebody|someone) (?:home|at home|in the house)\b"),
]
_WHEN = (
    r"(?:today|tonight|tomorrow|yesterday|this (?:morning|afternoon|evening|week|weekend|year|season)|"
    r"last (?:night|week|weekend)|right now|now|at the moment|currently|later|next week|on \w+day)"
)
_COMMODITY = r"(?:gas|petrol|diesel|fuel|gold|oil|silver|bitcoin|crypto\w*|ethereum)"
_CURRENCY = r"(?:dollars?|euros?|yen|yuan|rupees?|francs?|pesos?|pounds? sterling|british pounds?|bitcoins?)"
_LIVE_INFO = [
    re.compile(r"\b(?:weather|forecast)\b"),
    re.compile(r"\b(?:will|is|was) it (?:going to )?(?:rain|snow|be (?:sunny|cloudy|windy|cold|hot|warm))\w*"),
    re.compile(r"\bis it (?:raining|snowing|sunny|windy)\b"),
    re.compile(rf"\b(?:how (?:hot|cold|warm)|what(?: is|'s) the temperature)\b.*\b(?:outside|{_WHEN})\b"),
    re.compile(rf"\btemperature (?:outside|{_WHEN})\b"),
    re.compile(r"\b(?:news|headlines?)\b"),
    re.compile(r"\b(?:stock|share) (?:price|market)s?\b|\bstock market\b|\bexchange rate\b|\bbitcoin\b|\bcrypto\w*\b"),
    re.compile(r"\b(?:price|cost) of (?:a |an |the )?(?:gas|petrol|fuel|gold|oil|silver|bitcoin|shares?|stocks?)\b"),
    re.compile(rf"\bhow much (?:is|are|does|do) .* (?:cost|worth|trading)\b.*\b{_WHEN}\b"),
    re.compile(rf"\b(?:score|who (?:won|is winning)|results?)\b.*\b(?:game|match|race|election|{_WHEN})\b"),
    re.compile(r"\btraffic\b"),
    re.compile(r"\b(?:what(?: is|'s) happening|what happened)\b.*\b(?:in the world|today|yesterday|now)\b"),
    re.compile(r"\b(?:is|are) (?:the )?[\w' ]+ (?:open|closed) (?:today|tonight|now|right now)\b"),
    # issue 24: prices, markets, rates, sports results, opening hours, travel, air and sky
    re.compile(rf"\b(?:price|cost|worth|trading)\b.*\b{_COMMODITY}\b|\b{_COMMODITY}\b.*\b(?:price|prices|cost|worth|trading)\b"),
    re.compile(rf"\bhow much (?:is|are) (?:a |an |one )?(?:(?:gallon|litre|liter|ounce|barrel|tank|pound|gram)s? (?:of )?)?{_COMMODITY}\b"),
    re.compile(rf"\b(?:how much|what) (?:is|are) (?:a |an |one |\d+ )?{_CURRENCY} (?:in|to|worth in) {_CURRENCY}|\b{_CURRENCY} (?:in|to) {_CURRENCY}\b"),
    re.compile(r"\b(?:stock|shares?) (?:at|price|prices|worth|trading|doing)\b|\b(?:stocks?|shares?) (?:is|are) (?:at|up|down|trading|doing|worth)\b"),
    re.compile(r"\b(?:dow jones|the dow|nasdaq|s ?& ?p 500|ftse|the markets?)\b.*\b(?:up|down|doing|at|today|now|closed?|open)\b"),
    re.compile(r"\b(?:interest|mortgage|inflation) rates?\b|\binflation (?:rate|now|today|at)\b"),
    re.compile(rf"\bhow did (?:the |my )?[\w' ]+ (?:do|play|get on)\b.*\b{_WHEN}\b"),
    re.compile(r"\b(?:the latest|any news|latest news|what's new) (?:on|about|in|with)\b"),
    re.compile(r"\bwhat time (?:does|do|is) .+ (?:open|close|opening|closing)\b|\bopening (?:hours|times)\b"),
    re.compile(r"\b(?:flight|train|bus|ferry)s? (?:delays?|status|times?|cancell?ations?|running|on time)\b|\bdelays?\b.*\b(?:flights?|trains?)\b"),
    re.compile(rf"\bthe (?:air quality|pollen(?: count)?|uv index|humidity)\b|\b(?:air quality|pollen|uv index|humidity)\b.*\b{_WHEN}\b"),
    re.compile(r"\b(?:what time|when)\b.*\b(?:sunrise|sunset|sun (?:set|sets|rise|rises|go down|goes down|come up|comes up))\b"),
    re.compile(rf"\b(?:storm|hurricane|tornado|snowstorm|blizzard|heat ?wave|frost)s?\b.*\b(?:coming|expected|on (?:its|the) way|{_WHEN})\b"),
    re.compile(r"\bdid it (?:rain|snow|freeze|hail)\b"),
    re.compile(rf"\b(?:playing|showing|on tv|on television)\b.*\b(?:tonight|today|this weekend|now|right now)\b"),
]
_PAST_YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")
"""A year in a question: "who won the world cup in 1998" asks history, not live data."""


def classify(text: str) -> RequestKind:
    """The kind of request ``text`` is (English patterns).

        >>> classify("Turn on the kitchen lights.").value
        'device-command'
        >>> classify("Is the kitchen light on?").value
        'device-state'
        >>> classify("What will the weather be tomorrow?").value
        'live-info'
        >>> classify("What's my dog's name?").value
        'about-the-speaker'
        >>> classify("Who will win the World Cup in 2050?").value
        'forecast'
        >>> classify("How far away is the moon?").value
        'general'
    """
    words = normalise(text)
    words = re.sub(r"^(?:hey |ok |okay )?aria ", "", words)
    if any(pattern.search(words) for pattern in _DEVICE_COMMAND):
        return RequestKind.DEVICE_COMMAND
    if any(pattern.search(words) for pattern in _DEVICE_STATE):
        return RequestKind.DEVICE_STATE
    if any(pattern.search(words) for pattern in _LIVE_INFO) and not _asks_history(words):
        return RequestKind.LIVE_INFO
    if about_the_speaker(words):
        return RequestKind.ABOUT_THE_SPEAKER
    if a_forecast(words):
        return RequestKind.FORECAST
    return RequestKind.GENERAL


def _asks_history(words: str) -> bool:
    """Whether the request names a past year (a result or a price then is a fact, not live data)."""
    return any(int(year) < date.today().year for year in _PAST_YEAR.findall(words))


_DONE_VERBS = (
    r"(?:turned|switched|set|started|stopped|opened|closed|shut|locked|unlocked|dimmed|brightened|"
    r"activated|deactivated|adjusted|changed|scheduled|added|created|cancell?ed|played|paused|"
    r"enabled|disabled|armed|disarmed|sent|booked|ordered|called|texted|emailed|reminded|saved)"
)
_CLAIMS = [
    # "I turned on the lights", "I've set a timer", "I have just switched off ..."
    re.compile(rf"\bi(?:'ve| have| just| already|'ve just| have just| now)? {_DONE_VERBS}\b"),
    # "I'll turn on the lights", "I am turning them off", "Turning on the kitchen lights."
    re.compile(r"\bi(?:'ll| will|'m| am)(?: now| go ahead and| just)? (?:turn|switch|set|start|stop|open|close|shut|lock|unlock|dim|brighten|kill|get|make|raise|lower|arm|disarm|play|pause|turning|switching|setting|starting|stopping|opening|closing|shutting|locking|unlocking|dimming|brightening|killing|getting|making|raising|lowering|arming|disarming|playing|pausing)\b"),
    re.compile(r"^(?:okay |ok |sure |alright |all right )?(?:turning|switching|setting|starting|opening|closing|locking|unlocking|dimming) (?:on|off|up|down|the|your|a|it|them)\b"),
    # "Turned on Garage heater.", "Okay, switched it off", "Opened the garage door": a past tense
    # opening a clause reports what was done (what a tool result says, so a model imitates it)
    re.compile(r"^(?:okay |ok |sure |alright |all right |there )?(?:turned|switched|flipped|opened|closed|shut|locked|unlocked|dimmed|brightened|activated|deactivated|started|stopped|paused|armed|disarmed|set|adjusted|changed) (?:on|off|up|down|the|your|all|both|it|them|that|this)\b"),
    # "Garage heater turned on.", "The lights switched off."
    re.compile(r"\b(?:turned|switched) (?:on|off)$"),
    # "The kitchen lights are turned on", "... is now off", "... have been switched off"
    re.compile(r"\b(?:is|are|has been|have been|was|were)(?: now)? (?:turned|switched|set) (?:on|off|to|for)\b"),
    re.compile(r"\b(?:is|are) now (?:on|off|open|closed|locked|unlocked|set|running|playing)\b"),
    # "Timer set.", "Your alarm is set for 7", "Reminder created"
    re.compile(r"\b(?:timer|alarm|reminder|countdown)s? (?:is |has been |was )?(?:set|started|created|scheduled|on)\b"),
    re.compile(r"\b(?:set|started|created) (?:a|the|your) (?:timer|alarm|reminder|countdown)\b"),
    # "Done." / "All done!" as a whole clause
    re.compile(r"^(?:okay |ok |sure |alright )?(?:all )?done$"),
]


def claims_action(clause: str) -> bool:
    """Whether ``clause`` says an action was (or is being) carried out.

        >>> claims_action("The kitchen lights are turned on.")
        True
        >>> claims_action("I can't control your lights.")
        False
    """
    words = normalise(clause)
    return any(pattern.search(words) for pattern in _CLAIMS)


SEAM_CONJUNCTIONS = ("because", "but", "so", "while", "which", "when", "until", "then")
"""Words that open a clause of their own: the gate checks and releases the words before one as a
whole clause ("The sky is blue" is spoken while "because ..." is still being generated). No claim
pattern contains one of them (``tests/conversation/test_truth.py`` checks), so no claim can span
the seam; "and" and "or" are not among them ("I'll go ahead and turn on ...")."""
_CLAUSE_END = re.compile(rf"[.!?;:,](?=\s)|\n|(?<=\S)(?=\s(?:{'|'.join(SEAM_CONJUNCTIONS)})\s)", re.IGNORECASE)
HOLD_WORDS = 6
"""Words of an unfinished clause held back: more than the longest claim pattern spans, so a claim
still forming at the end of the text is never half spoken."""


@dataclass
class ClaimGate:
    """Releases a streamed reply as it comes, stopping at the first unconfirmed action claim.

    Every check sees the whole clause so far (patterns anchored at a clause start stay right);
    of an unfinished clause all but the last ``HOLD_WORDS`` words are released, so the first
    words reach the speech synthesiser before the clause ends. ``confirmed``: whether a tool
    reported a successful action during this turn (only then may the reply say it did something).
    """

    confirmed: bool = False
    blocked: bool = False
    """True once a claim was caught: the rest of the reply is dropped."""
    _spoken: str = field(default="", repr=False)
    """The released start of the current clause."""
    _held: str = field(default="", repr=False)

    def feed(self, delta: str) -> str:
        """The text of ``delta`` (with what was held) that is safe to speak now."""
        if self.blocked:
            return ""
        if self.confirmed:
            return delta
        self._held += delta
        released = ""
        while (match := _CLAUSE_END.search(self._held)) is not None:
            clause, self._held = self._held[: match.end()], self._held[match.end():]
            if not self._check(clause):
                return released
            released += clause
            self._spoken = ""
        if not self._check(""):
            return released
        words = list(re.finditer(r"\S+", self._held))
        if len(words) > HOLD_WORDS:
            cut = words[-HOLD_WORDS].start()
            early, self._held = self._held[:cut], self._held[cut:]
            self._spoken += early
            released += early
        return released

    def finish(self) -> str:
        """The rest of the reply once the model stopped (checked like every clause)."""
        if self.blocked or self.confirmed:
            return ""
        rest, self._held = self._held, ""
        return rest if self._check_text(self._spoken + rest) else ""

    def _check(self, clause_end: str) -> bool:
        """False (and blocked) when the current clause, ``clause_end`` included, claims an action."""
        return self._check_text(self._spoken + (clause_end or self._held))

    def _check_text(self, clause: str) -> bool:
        if clause.strip() and claims_action(clause):
            self.blocked = True
            return False
        return True
