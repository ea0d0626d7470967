"""Questions nothing in Aria can answer: facts about the speaker, and outcomes nobody knows yet.

Aria's sources are the language model's general knowledge, the home (Home Assistant), its own
state (timers, the clock) and, when configured, live tools. None of them knows the speaker's
dog's name, what they ate for breakfast, what they are holding, or who will win the World Cup in
2050; asked anyway, a small model answers as if it did ("Your dog's name is Max.", "You weigh
about 150 pounds.", "The color of your shirt is blue."). These patterns recognise such a
question's subject so that ``truth.classify`` can keep it from the model:

- ``about_the_speaker``: what the speaker did, is doing, has or is ("where did I leave my keys",
  "what am I holding", "what's my dog's name", "how old is my mother"). Only the conversation can
  have told Aria such a thing, so the guard lets a follow-up through to the model.
- ``a_forecast``: who or what will win, the lottery's next numbers, what someone will do or say,
  the speaker's fortune ("will I get the job").

Questions about the speaker that general knowledge answers stay the model's: advice and norms
("should", "normal", "supposed to"), conditions ("what happens if I ..."), how-to ("how do I"),
anatomy ("how many bones are in my hand") and what Aria or the home keeps (timers, alarms, lists,
the calendar). English, on ``text.normalise``'d words; a screen chosen and checked on question
sets (``aria-bench answers``), not a judge: a refused answerable question costs a sentence, a
passed invention costs the user's trust.
"""

from __future__ import annotations

import re

_ASKING = re.compile(
    r"^(?:(?:can|could|would) you (?:please )?(?:tell|remind|read|give|show) me (?:of )?|(?:do|did) you (?:happen to )?(?:know|remember) |"
    r"tell me |remind me (?:of )?|i wonder |guess |any idea |have you any idea |do you have any idea |"
    r"i (?:forgot|can't remember|don't remember) )"
)
"""A question asked indirectly: "can you tell me what my dog's name is" asks "what my dog's name is"."""

_SOURCED = re.compile(
    r"\b(?:timers?|alarms?|reminders?|lists?|calendar|schedule|agenda|appointments?|events?|to ?do|"
    r"should|supposed|normal|normally|average|healthy|ideal|good|recommended|located|usually|typical|typically|if|when i|"
    r"largest|biggest|smallest|longest|strongest|mean|means|called in|say in|spell)\b"
)
"""Words that make a question about the speaker answerable: Aria's or the home's own records,
a norm or advice, a condition, a word's meaning."""

_RECORDS = (
    r"(?:money|bank|account|wallet|purse|savings|pension|inbox|e ?mails?|messages?|texts?|voicemails?|calls|"
    r"notifications?|followers|friends|likes|subscribers|points|debts?|bills?|steps)"
)
"""What the speaker's own accounts and devices count, which nothing here can read."""
_WH = r"(?:what(?: time| day| year)?|where|when|who|whom|which(?: \w+){0,2}|how (?:many|much|long|far|often)(?: \w+){0,2})"
_ABOUT_THE_SPEAKER = [
    # What the speaker did: "where did I leave my keys", "how many steps did I walk yesterday".
    re.compile(rf"^{_WH}(?:'d| did| have| had) i \w+"),
    re.compile(r"^(?:where|when|what time) (?:did |have )?i (?:left|put|park|parked|leave|last)\b"),
    # What the speaker is doing or thinking: "what am I wearing", "what number am I thinking of".
    re.compile(r"^(?:what|which|who)(?: \w+){0,2} (?:am|was|were) i \w+ing\b|^how am i (?:feeling|doing|looking)\b"),
    re.compile(r"^(?:what|who) (?:am i|is on my mind)$"),
    # The same asked indirectly: "(do you know) what I had for breakfast", "how much I weigh".
    re.compile(r"^(?:what|where|when|who|which \w+|how (?:much|many|old|tall)) i(?:'m| am| was| had| did| ate| named| said| left| put| weigh| parked)\b"),
    # The speaker's measures: "how old am I", "how much do I weigh".
    re.compile(r"^how (?:old|tall|heavy|rich|fat|smart) am i\b|^how much do i (?:weigh|earn|make|owe)\b"),
    # The speaker's things and people: "what's my dog's name", "how old is my mother", "who is my
    # neighbor", "what is the name of my street", "what my password is", "what color is my shirt".
    re.compile(
        r"^(?:what|who|which|when|where|how (?:old|tall|much|many|big|heavy))(?:'s| is| are| was| were)? "
        r"(?:the (?:\w+ )?(?:of|on|in|for|to) )?my \w+"
    ),
    re.compile(r"^(?:what|which)(?: \w+)? (?:is|are|was|were) (?:the (?:\w+ )?(?:of|on|in) )?my \w+"),
    re.compile(r"^(?:tell|read|give|show) me my \w+"),
    re.compile(r"^what(?:'s| is| are) (?:in|on|under|behind) my \w+"),
    re.compile(r"^what(?:'d| did) my \w+ (?:say|do|think|want|decide|tell)\b"),
    # The speaker's records: "how much money is in my bank account", "how many emails do I have".
    re.compile(rf"^(?:what|who|which|when|how (?:much|many))\b.*\b(?:in|on|to|from) my (?:\w+ )?{_RECORDS}\b"),
    re.compile(rf"^how (?:many|much) (?:\w+ )?{_RECORDS} (?:do|did|have) i\b"),
]
_LOTTERY = r"(?:lottery|lotto|powerball|mega millions|euromillions|jackpot)"
_GOING_TO = r"(?:'ll| will|(?:'s| is| are|'re) (?:going to|gonna))"
_FORECAST = [
    # "who will win the World Cup in 2050", "which horse is going to win on Saturday".
    re.compile(rf"\b(?:who|which(?: \w+){{1,2}}|what \w+){_GOING_TO} win\b"),
    re.compile(rf"\bwhat{_GOING_TO} the (?:final )?(?:score|result|outcome|winning \w+)\b"),
    re.compile(r"\b(?:coin (?:flip|toss)|dice roll|roll of the dice|next (?:flip|toss|roll))\b"),
    re.compile(
        r"\b(?:this|the|a|my|next) (?:die|dice|coin)\b.*\b(?:will|going to|gonna|land|come up)\b|"
        r"\b(?:will|going to|gonna)\b.*\b(?:roll|flip|toss)\b.*\b(?:die|dice|coin)\b"
    ),
    re.compile(rf"\b{_LOTTERY}\b.*\b(?:will|next|going to|gonna|tomorrow)\b|\b(?:will|next|tomorrow)\b.*\b{_LOTTERY}\b"),
    # The speaker's fortune: "will I get the job", "when will I die", "am I going to be rich".
    re.compile(
        r"^(?:will|shall) i (?:ever )?(?:get|win|pass|find|meet|marry|become|lose|die|live|be (?:rich|famous|"
        r"happy|successful|okay|ok|fine|lucky|married|promoted))\b"
    ),
    re.compile(r"^am i (?:ever )?(?:going to|gonna) (?:get|win|pass|find|meet|marry|become|be|die)\b"),
    re.compile(r"^how long (?:am i (?:going to|gonna)|will i|do i have (?:left )?to) live\b"),
    # What the speaker's people will do: "is my girlfriend going to say yes", "will my team win".
    re.compile(r"^(?:is|are) my \w+(?: \w+)? (?:going to|gonna) \w+"),
    re.compile(r"^will my \w+(?: \w+)? (?:say|win|get|give|like|love|leave|come|call|pass|agree)\b"),
    re.compile(r"^when (?:will|am) i (?:going to )?(?:die|get married|meet|find|be rich|win|get (?:a|the|my))\b"),
    # What someone will do: "what will I have for dinner tomorrow", "what will my boss say".
    re.compile(r"^what (?:will|is) (?:i|we|he|she|they|my \w+)(?: going to)? (?:have|do|say|eat|get|wear|think|buy|cook|decide)\b"),
]


def _question(words: str) -> str:
    return _ASKING.sub("", words, count=1)


def about_the_speaker(words: str) -> bool:
    """Whether ``words`` (normalised) ask for a fact about the speaker that only they could know."""
    asked = _question(words)
    if _SOURCED.search(asked):
        return False
    if asked != words and asked.startswith("my "):
        return True  # "do you know my name", "remind me of my PIN"
    return any(pattern.search(asked) for pattern in _ABOUT_THE_SPEAKER)


def a_forecast(words: str) -> bool:
    """Whether ``words`` (normalised) ask for an outcome nobody can know yet."""
    asked = _question(words)
    return not re.search(r"\bif\b", asked) and any(pattern.search(asked) for pattern in _FORECAST)
