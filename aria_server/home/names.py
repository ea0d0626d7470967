"""Whether a device command names only what Home Assistant knows, word for word.

A whole device command may end the turn early (``turn_taking.RequestShape``): the quick first
pass's transcript then becomes final, so it must have heard the target right. The cheap check is
that every word of the command is either command vocabulary ("turn", "on", "the", "lights", "to",
"50", ...) or part of a name Home Assistant knows (an exposed entity's name or alias, an area's
name or alias), matched as whole words, case and punctuation ignored:

    "Turn on the kitchen light."    kitchen light = a known name      -> names known
    "Turn on the light."            no name at all                    -> generic (the room decides)
    "Turn on the spaceship."        "spaceship": neither              -> not known: wait for the
                                                                         full decode as before
A word that is neither is most likely a name the quick pass misheard (or one Home Assistant does
not have): nothing is lost by not ending early then, only the early end's saving.

The quick pass decodes a window fitted to the utterance and then sometimes repeats itself with a
variation ("Turn on the light. Turn on on the lights." heard on the tier's Piper clip) that the
exact-echo filter does not catch. So a transcript with more than one sentence, a word said twice
in a row, or two command verbs is ``GARBLED``: not trusted either.

English command vocabulary only (the device-command patterns in ``conversation/truth.py`` are).
Runs on the event loop at every pause: a dictionary lookup per word, the index built once per
set of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from itertools import pairwise

from ..text import words as words  # re-exported: names and what was said are split alike

VERBS = frozenset({
    "turn", "switch", "flip", "put", "dim", "brighten", "open", "close", "shut", "lock", "unlock",
    "start", "stop", "pause", "play", "set", "raise", "lower", "increase", "decrease", "activate",
    "deactivate", "arm", "disarm", "run", "enable", "disable", "make",
})
"""The command verbs (a single command has one)."""
COMMAND_WORDS = VERBS | frozenset({
    "please", "can", "could", "would", "will", "you", "hey", "ok", "okay", "aria", "now", "just",
    "on", "off", "up", "down", "the", "a", "an", "all", "both", "my", "our", "your", "every",
    "some", "of", "in", "at", "to", "by", "for", "and", "with", "this", "that", "here", "there",
    "it", "them",
    "light", "lights", "lamp", "lamps", "bulb", "bulbs", "fan", "fans", "heater", "heating", "heat",
    "thermostat", "blind", "blinds", "curtain", "curtains", "shade", "shades", "shutter",
    "shutters", "locks", "door", "doors", "garage", "gate", "switches", "plug", "plugs", "socket",
    "sockets", "outlet", "outlets", "tv", "television", "radio", "music", "speaker", "speakers",
    "percent", "per", "cent", "degrees", "degree", "brightness", "level", "half", "full", "max",
    "maximum", "min", "minimum", "bright", "brighter", "dimmer", "warmer", "cooler", "colder",
    "hotter", "temperature",
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred",
})
"""Words a device command is made of besides its target's name (digits count too)."""
_SENTENCE_BREAK = re.compile(r"[.!?]+\s+\S")


class Named(Enum):
    """What a command's words name."""

    KNOWN = "known"
    """At least one known name, and every other word is command vocabulary."""
    GENERIC = "generic"
    """Only command vocabulary: "turn on the lights" (Home Assistant picks by the satellite's room)."""
    UNKNOWN = "unknown"
    """A word that is neither command vocabulary nor part of a known name."""
    GARBLED = "garbled"
    """Not one command: two sentences, a word twice in a row, or two command verbs."""


@dataclass(frozen=True)
class NameIndex:
    """Known names as word sequences, by their first word (longest first)."""

    by_first: dict[str, tuple[tuple[str, ...], ...]]

    def named(self, text: str) -> Named:
        """What ``text``'s words name (see ``Named``)."""
        said = words(text)
        if _SENTENCE_BREAK.search(text.strip()) or any(a == b for a, b in pairwise(said)):
            return Named.GARBLED
        found = False
        verbs = 0
        i = 0
        while i < len(said):
            match = next(
                (name for name in self.by_first.get(said[i], ()) if said[i:i + len(name)] == name), None
            )
            if match is not None:
                found = True
                i += len(match)
                continue
            if said[i] not in COMMAND_WORDS and not said[i].replace(".", "", 1).isdigit():  # 21.5 is one word
                return Named.UNKNOWN
            verbs += said[i] in VERBS
            if verbs > 1:
                return Named.GARBLED
            i += 1
        return Named.KNOWN if found else Named.GENERIC


@lru_cache(maxsize=4)
def name_index(names: frozenset[str]) -> NameIndex:
    """The index of ``names`` (cached: the set is replaced whole when the registries change)."""
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for name in names:
        split = words(name)
        if split:
            grouped.setdefault(split[0], []).append(split)
    return NameIndex({first: tuple(sorted(set(seqs), key=len, reverse=True)) for first, seqs in grouped.items()})
