"""Tool calls a model writes as text: Qwen's ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``.

The embedded model renders the tools into its own chat template (the GGUF's Jinja2 template,
Qwen's ChatML with a ``# Tools`` section), and answers with the calls as text. ``ToolCallText``
splits a streamed answer into the text to speak and the calls, holding back only what could still
be the start of a ``<tool_call>`` tag, so a plain answer still streams word by word. A reply that
begins with ``{`` or a code fence is held to the end: small models sometimes write the call's
JSON bare, and it must never be spoken.

    >>> splitter = ToolCallText()
    >>> splitter.feed('<tool_call>\\n{"name": "HassTurnOn", "arguments": {"name": "Kitchen"}}')
    ''
    >>> splitter.feed('\\n</tool_call>'), splitter.calls[0].name, splitter.calls[0].arguments
    ('', 'HassTurnOn', {'name': 'Kitchen'})
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from ..tools.base import ToolCall

OPEN = "<tool_call>"
CLOSE = "</tool_call>"
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_ids = itertools.count(1)


def parse_call(text: str) -> ToolCall | None:
    """The call in ``{"name": ..., "arguments": {...}}`` (``parameters`` also accepted), else None."""
    try:
        data: Any = json.loads(_FENCE.sub("", text.strip()))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    arguments = data.get("arguments", data.get("parameters", {}))
    if isinstance(arguments, str):  # some models write the OpenAI shape: arguments as a JSON string
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    if not isinstance(arguments, dict):
        return None
    return ToolCall(id=f"call_{next(_ids)}", name=data["name"], arguments=arguments)


class ToolCallText:
    """Feed text deltas; get the speakable text back; ``calls`` collects the calls."""

    def __init__(self) -> None:
        self.calls: list[ToolCall] = []
        self._buffer = ""
        self._started = False
        self._bare = False
        """The reply began like bare JSON: held whole until ``finish``."""

    def feed(self, delta: str) -> str:
        self._buffer += delta
        if not self._started:
            head = self._buffer.lstrip()
            if not head:
                return ""
            self._started = True
            self._bare = head[0] in "{`"
        if self._bare:
            return ""
        released = ""
        while True:
            start = self._buffer.find(OPEN)
            if start < 0:
                keep = _partial_tag(self._buffer)
                cut = len(self._buffer) - keep
                released += self._buffer[:cut]
                self._buffer = self._buffer[cut:]
                return released
            end = self._buffer.find(CLOSE, start)
            if end < 0:
                released += self._buffer[:start]
                self._buffer = self._buffer[start:]
                return released
            released += self._buffer[:start]
            self._take(self._buffer[start + len(OPEN):end])
            self._buffer = self._buffer[end + len(CLOSE):]

    @property
    def complete(self) -> bool:
        """Whether the reply is one whole bare JSON object: nothing after it is wanted (a small
        model echoing a result's JSON would otherwise go on to its token limit, held unspoken)."""
        return self._bare and _is_json(self._buffer)

    def finish(self) -> str:
        """What is left once the model stopped: an unclosed call is still a call; bare JSON too."""
        rest, self._buffer = self._buffer, ""
        if rest.lstrip().startswith(OPEN):
            self._take(rest.lstrip()[len(OPEN):])
            return ""
        if self._bare:
            call = parse_call(rest)
            if call is not None:
                self.calls.append(call)
                return ""
            if _is_json(rest):
                return ""  # a model echoing a tool result's JSON: never spoken
        return rest

    def _take(self, body: str) -> None:
        call = parse_call(body)
        if call is not None:
            self.calls.append(call)


def _is_json(text: str) -> bool:
    try:
        json.loads(_FENCE.sub("", text.strip()))
    except ValueError:
        return False
    return True


def _partial_tag(text: str) -> int:
    """Length of the longest end of ``text`` that could begin ``<tool_call>``."""
    for size in range(min(len(OPEN) - 1, len(text)), 0, -1):
        if OPEN.startswith(text[-size:]):
            return size
    return 0
