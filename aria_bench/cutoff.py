"""Premature end of turn: did the server stop listening before the user had finished?

A turn is cut off when it ended before the clip's last speech (the server's end of turn came
before the clip's last voiced sample), or when its transcript misses the words after the
clip's last pause (fewer than half of them heard: one misheard word, "mum" as "mom", is not
a cut). Clips without a pause are judged by the first rule only.
"""

from __future__ import annotations

from collections.abc import Sequence

from .wer import normalise

ENDED_EARLY = "turn ended before the speech did"
MISSED_WORDS = "transcript misses the words after the pause"


def cut_off(words_after_pause: Sequence[str], transcript: str, turn_end_ms: float | None) -> str | None:
    """Why the turn counts as cut off, or None when it heard the whole utterance.

    ``turn_end_ms``: the clip's end of speech -> the server's end of turn (negative: before it;
    None: unknown). ``words_after_pause``: the reference's words after its last pause.

        >>> cut_off(["ten", "minutes."], "Set a timer for", -350.0)
        'turn ended before the speech did'
        >>> cut_off(["ten", "minutes."], "Set a timer for", None)
        'transcript misses the words after the pause'
        >>> cut_off(["call", "mum."], "Remind me to call mom.", 240.0) is None
        True
    """
    if turn_end_ms is not None and turn_end_ms < 0:
        return ENDED_EARLY
    expected = normalise(" ".join(words_after_pause))
    if expected:
        heard = set(normalise(transcript))
        if sum(word in heard for word in expected) * 2 < len(expected):
            return MISSED_WORDS
    return None
