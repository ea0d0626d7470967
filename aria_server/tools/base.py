"""The typed tool layer: what a tool is, a call of one, its result, and who provides tools.

A ``ToolProvider`` lists tools and runs calls; it never raises for a failed call (the result says
``ok=False`` with a stable ``error_code``), so the model hears what went wrong and the user hears
it honestly. ``confirms_action`` is the truth rule's input: only a result that says a tool
*changed* something lets the reply say so (``conversation/truth.py``), and then in the words of
``speech``, taken from the result, never from the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import AriaError

JsonSchema = dict[str, Any]


class ToolError(AriaError):
    """A tool call could not be made: ``tool-unknown``, ``tool-bad-arguments``, ``tool-timeout``,
    ``tool-unavailable`` (its provider cannot be reached) or ``tool-failed`` (it ran and failed)."""

    default_code = "tool-failed"


@dataclass(frozen=True)
class Tool:
    """One function the model may call (the shape of OpenAI's and Ollama's ``tools`` entries)."""

    name: str
    description: str
    parameters: JsonSchema = field(default_factory=lambda: {"type": "object", "properties": {}})

    def as_openai(self) -> dict[str, Any]:
        """``{"type": "function", "function": {...}}``, as OpenAI, Ollama and chat templates take it."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters,
        }}


@dataclass(frozen=True)
class ToolCall:
    """The model asked for ``name(arguments)``; ``id`` pairs the result with the call."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """What a call did: ``text`` goes back to the model; ``speech`` may be spoken as it is."""

    call: ToolCall
    ok: bool
    text: str
    """The result for the model (a provider's own text or JSON), or the error message."""
    confirms_action: bool = False
    """True only when the provider reported that something in the home *was changed*."""
    speech: str | None = None
    """A sentence for the user made from the result itself ("Turned on Kitchen Light.")."""
    error_code: str | None = None

    @classmethod
    def failed(cls, call: ToolCall, err: ToolError) -> ToolResult:
        return cls(call, ok=False, text=f"error ({err.code}): {err.message}", error_code=err.code)


class ToolProvider(Protocol):
    """A source of tools (Home Assistant's MCP server, the call_service hatch)."""

    name: str

    async def list_tools(self) -> Sequence[Tool]:
        """The tools available now (cached by the provider); ToolError when it cannot be reached."""
        ...

    async def call(self, call: ToolCall) -> ToolResult:
        """Run ``call`` (one of this provider's tools); a failure is a result, not an exception."""
        ...

    async def instructions(self) -> str:
        """What the model should know to use the tools (Home Assistant's own prompt: its devices
        and areas); "" for none. Read with the tools and cached alike."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
