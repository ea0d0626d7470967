"""The tools one turn sees: every provider's tools, each listing and each call bounded in time.

A provider that cannot be reached (Home Assistant down) contributes no tools for that turn: the
model answers without them and Aria keeps working. A call is routed to the provider that listed
the tool; an unknown name, bad arguments or a timeout come back as failed results.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from .base import Tool, ToolCall, ToolError, ToolProvider, ToolResult

_LOGGER = logging.getLogger(__name__)

LIST_TIMEOUT_S = 3.0
"""Longest wait for a provider's tool list (a cached list answers at once)."""
CALL_TIMEOUT_S = 10.0
"""Longest tool call; then it counts as failed (``tool-timeout``)."""


@dataclass
class Toolbox:
    """Providers in order; a tool name listed by two providers goes to the first."""

    providers: Sequence[ToolProvider]
    list_timeout_s: float = LIST_TIMEOUT_S
    call_timeout_s: float = CALL_TIMEOUT_S

    def __post_init__(self) -> None:
        self._owner: dict[str, ToolProvider] = {}
        self._tools: dict[str, Tool] = {}
        self.instructions = ""
        """The reachable providers' instructions, as of the last ``tools`` (for the system prompt)."""

    async def tools(self) -> list[Tool]:
        """Every reachable provider's tools (a provider that fails or is slow is left out)."""
        listed = await asyncio.gather(*(self._list(provider) for provider in self.providers))
        owner: dict[str, ToolProvider] = {}
        tools: dict[str, Tool] = {}
        notes: list[str] = []
        for provider, (provided, note) in zip(self.providers, listed, strict=True):
            if note.strip():
                notes.append(note.strip())
            for tool in provided:
                if tool.name not in tools:
                    owner[tool.name], tools[tool.name] = provider, tool
        self._owner, self._tools = owner, tools
        self.instructions = "\n\n".join(notes)
        return list(tools.values())

    async def _list(self, provider: ToolProvider) -> tuple[Sequence[Tool], str]:
        try:
            async with asyncio.timeout(self.list_timeout_s):
                return await provider.list_tools(), await provider.instructions()
        except (ToolError, TimeoutError) as err:
            _LOGGER.warning("tools of %s are not available this turn: %r", provider.name, err)
            return (), ""

    async def call(self, call: ToolCall) -> ToolResult:
        """The result of ``call`` (never raises but for cancellation)."""
        provider = self._owner.get(call.name)
        if provider is None:
            return ToolResult.failed(call, ToolError(f"there is no tool called {call.name!r}", code="tool-unknown"))
        call = _within_schema(call, self._tools[call.name])
        try:
            async with asyncio.timeout(self.call_timeout_s):
                result = await provider.call(call)
        except TimeoutError:
            result = ToolResult.failed(call, ToolError(
                f"{call.name} did not answer within {self.call_timeout_s:g} s", code="tool-timeout"))
        except ToolError as err:
            result = ToolResult.failed(call, err)
        _LOGGER.info("tool %s(%s): %s%s", call.name, call.arguments, "ok" if result.ok else result.error_code,
                     " (action confirmed)" if result.confirms_action else "")
        return result

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.aclose()


def _within_schema(call: ToolCall, tool: Tool) -> ToolCall:
    """``call`` without the arguments its tool does not take, and without empty ones.

    Small models decorate a call with made-up keys ("brightness" on a plain turn-on) or empty
    strings; a server that validates strictly (Home Assistant does) refuses the whole call for it.
    """
    properties = tool.parameters.get("properties")
    if not isinstance(properties, dict) or tool.parameters.get("additionalProperties") is True:
        return call
    kept = {key: value for key, value in call.arguments.items() if key in properties and value not in ("", None, [], {})}
    if kept != call.arguments:
        _LOGGER.debug("tool %s: arguments %s trimmed to its schema: %s", call.name, call.arguments, kept)
        return ToolCall(call.id, call.name, kept)
    return call
