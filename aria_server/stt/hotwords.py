"""The one hotword merge: a Wyoming client's names and terms, then the home's names, as the hint
string Whisper is biased with.

Contract: groups are taken in priority order (the client's ``transcript_names``, its
``transcript_terms``, then Home Assistant's names); a group may be a list of names or an already
merged hint string (split on ", "). A name already present in the same words (``text.normalise``:
"Kitchen light" and "kitchen-light" are one) is dropped; whole names are kept until
``MAX_HOTWORDS_CHARS`` would be passed, never a cut one. Nothing to hint: None.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..text import normalise

MAX_HOTWORDS_CHARS = 600
"""Whisper's prompt holds about 224 tokens: a longer hint string is cut (the first groups kept)."""

SEPARATOR = ", "


def merge_hotwords(*groups: str | Iterable[str] | None) -> str | None:
    """The groups' names, first group first, as one hint string (see the module docstring)."""
    text = ""
    seen: set[str] = set()
    for group in groups:
        names = (group.split(SEPARATOR) if isinstance(group, str) else group) if group else ()
        for name in names:
            name = name.strip() if isinstance(name, str) else ""
            key = normalise(name)
            if not key or key in seen:
                continue
            joined = f"{text}{SEPARATOR}{name}" if text else name
            if len(joined) > MAX_HOTWORDS_CHARS:
                return text or None
            seen.add(key)
            text = joined
    return text or None
