"""English: patterns, words and responses of the local intents (data only; see language.py)."""

from __future__ import annotations

from .language import LanguageData

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


_TIMER = r"(?:timer|countdown)"
_THE = r"(?:the |my |a |an )?"
_DURATION = r"(?P<duration>[\w.' ]+?)"
_NAME = r"(?P<name>[a-z]+(?: [a-z]+)?)"

LANGUAGE = LanguageData(
    code="en",
    patterns={
        "time": [
            r"what(?: is|'s) the (?:current )?time(?: now| right now)?",
            r"what time is it(?: now| right now)?",
            r"(?:tell me|do you know) (?:the time|what time it is)",
            r"(?:the )?(?:current )?time please|current time",
        ],
        "date": [
            r"what(?: is|'s) (?:the date|today's date|the date today|the day today|today)",
            r"what day is (?:it|today)(?: today)?",
            r"what(?: is|'s) the day",
            r"(?:tell me )?(?:today's date|the date)",
            r"what day of the week is it(?: today)?",
        ],
        "timer_cancel_all": [
            r"(?:cancel|stop|delete|remove|clear|turn off) (?:all|every)(?: of)?(?: the| my)? timers?",
        ],
        "timer_cancel": [
            rf"(?:cancel|stop|delete|remove|clear|turn off|end) {_THE}(?:{_NAME} )?{_TIMER}",
        ],
        "timer_add": [
            rf"add {_DURATION} to {_THE}(?:{_NAME} )?{_TIMER}",
            rf"(?:extend|increase) {_THE}(?:{_NAME} )?{_TIMER} by {_DURATION}",
        ],
        "timer_status": [
            rf"how (?:much|long) (?:time )?(?:is )?(?:left|remaining)(?: on {_THE}(?:{_NAME} )?{_TIMER})?",
            rf"how long until {_THE}(?:{_NAME} )?{_TIMER}(?: goes off| rings| is done| finishes)?",
            rf"(?:what(?: is|'s) )?(?:the )?time (?:left|remaining)(?: on {_THE}(?:{_NAME} )?{_TIMER})?",
            r"(?:what|which) timers? (?:are|is) (?:running|set|active|on)",
            r"(?:list|show)(?: me)? (?:my |the |all |all my )?timers",
            rf"(?:timer|timers) status|status of {_THE}{_TIMER}",
        ],
        "timer_set": [
            rf"(?:set|start|create|make|put on) {_THE}{_TIMER} (?:(?:for|of|to) )?{_DURATION}",
            rf"(?:set|start|create|make|put on) {_THE}{_TIMER} (?:for|of) {_DURATION} for (?:the )?{_NAME}",
            rf"(?:set|start|create|make|put on) {_THE}{_DURATION} {_TIMER}(?: for (?:the )?{_NAME})?",
            rf"(?:set|start|create|make|put on) {_THE}{_NAME} {_TIMER} for {_DURATION}",
            rf"(?:set|start|create|make|put on) {_THE}{_DURATION} (?P<name>[a-z]+) {_TIMER}",
            rf"{_TIMER} (?:for )?{_DURATION}",
            rf"{_DURATION} {_TIMER}",
            # No duration understood: the handler asks for one instead of the LLM guessing.
            rf"(?:set|start|create|make) {_THE}(?:[a-z]+ )?{_TIMER}(?: (?:for|of) .*)?",
        ],
        "help": [
            r"what can (?:you|i) (?:do|say|ask(?: you)?)(?: for me)?",
            r"what are you able to do|what do you do",
            r"how can you help(?: me)?|help(?: me)?",
        ],
        "how_are_you": [r"how are you(?: doing)?(?: today)?"],
        "greeting": [
            r"(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening))(?: there)?|aria",
        ],
        "thanks": [r"(?:thanks|thank you)(?: (?:very|so) much)?(?: that's all)?"],
        "stop": [
            r"stop|cancel|never ?mind|be quiet|quiet|silence|shut up|that's all|forget it|stop talking",
        ],
    },
    responses={
        "time": "It's {hour12}:{minute:02d} {ampm}.",
        "date": "Today is {weekday}, {month} {day_ordinal}, {year}.",
        "timer_started": "Timer set for {duration}.",
        "timer_cannot_ring": (
            "I can't set a timer from here: it would ring where no one hears it. "
            "Set it on an Aria satellite or the dashboard, or ask Home Assistant's own assistant."
        ),
        "timer_started_named": "The {name} timer is set for {duration}.",
        "timer_ask_duration": "For how long? Say, for example, set a timer for five minutes.",
        "timer_too_long": "I can't set that: a timer can run for at most {most}.",
        "timer_too_many": "I can't set another timer: {count} are already running. Cancel one first.",
        "timer_cancelled": "Timer cancelled.",
        "timer_cancelled_named": "The {name} timer is cancelled.",
        "timers_cancelled": "All {count} timers are cancelled.",
        "timer_which": "You have {count} timers running. Name one, or say cancel all timers.",
        "timer_not_found": "There is no {name} timer.",
        "no_timers": "There are no timers running.",
        "timer_left": "{duration} left.",
        "timer_left_named": "{duration} left on the {name} timer.",
        "timers_left": "You have {count} timers: {items}.",
        "timers_left_item": "{duration} on the timer for {total}",
        "timers_left_item_named": "{duration} on the {name} timer",
        "timer_extended": "Added {added}. {duration} left.",
        "timer_finished": "Your timer for {total} is done.",
        "timer_finished_named": "Your {name} timer is done.",
        "help": "I can tell you the time and the date, and set, check and cancel timers.",
        "help_llm": " Anything else, just ask, and my language model will answer.",
        "greeting": "Hello! How can I help?",
        "how_are_you": "I'm doing well, thank you. How can I help?",
        "thanks": "You're welcome.",
        "stop": "Okay.",
        "no_llm": "Sorry, without a language model I can only do the time, the date, timers, sums, conversions "
        "and a few other things.",
        "llm_unavailable": "I can't reach the language model right now.",
        "llm_interrupted": " Sorry, I lost my train of thought.",
        "llm_empty": "Sorry, I don't have an answer to that.",
        "no_home_control": "I can't control or check devices: home control isn't set up. "
        "Connect Home Assistant with --ha-url and --ha-token-file.",
        "home_unreachable": "I can't reach Home Assistant right now, so nothing was changed or checked.",
        "home_unauthorized": "Home Assistant refused my access token, so nothing was changed or checked. "
        "Check the token in --ha-token-file.",
        "home_partly_failed": "But {names} did not respond.",
        "cannot_check": "I can't check that: I have no live source for weather, news or prices.",
        "cannot_know_you": "I don't know that about you, and I'd rather not guess.",
        "cannot_foresee": "Nobody can know that yet, and I'd rather not guess.",
        "claim_refused": "I can't do that myself: nothing here carried it out.",
        "not_sure": "I'm not sure about that, and I'd rather not guess.",
        "tool_failed": "That didn't work, so nothing was changed: {reason}.",
    },
    fillers=[
        r"^(?:hey |ok |okay )?aria ",
        r"^(?:ok|okay|so|um|uh|hey|please) ",
        r"^(?:can|could|would|will) you (?:please )?(?:tell me )?",
        r"^(?:please|i want to|i'd like to|i would like to|i want you to) ",
        r"^(?:tell me|do you know) (?=what|how)",
        r" (?:please|thanks|thank you|aria|for me|now)$",
    ],
    numbers={
        **{word: value for value, word in enumerate(_ONES)},
        **_TENS,
        "couple": 2, "dozen": 12, "hundred": 100,
    },
    articles=frozenset({"a", "an"}),
    fractions={"half": 0.5, "quarter": 0.25},
    connectors=frozenset({"and", "of"}),
    units={
        **dict.fromkeys(["second", "seconds", "sec", "secs", "s"], 1),
        **dict.fromkeys(["minute", "minutes", "min", "mins", "m"], 60),
        **dict.fromkeys(["hour", "hours", "hr", "hrs", "h"], 3600),
    },
    unit_names={3600: ("hour", "hours"), 60: ("minute", "minutes"), 1: ("second", "seconds")},
    weekdays=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months=["January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December"],
    ordinal=_ordinal,
    join_last=" and ",
    unfinished=[
        r"\b(?:a|an|the|my|your|our|their|this|that|some|to|for|of|from|with|without|in|on|at|by|about|into"
        r"|and|or|but|than|if|because|is|are|was|were)$",
        rf"^(?:set|start|create|make|put on) {_THE}(?:[a-z]+ )?{_TIMER}$",
        r"^(?:remind me|tell me|turn(?: on| off)?|switch(?: on| off)?|play|add|set|what(?:'s| is)|how)$",
    ],
)
