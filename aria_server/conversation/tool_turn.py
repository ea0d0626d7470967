"""One turn's tool calls: which tools the model is offered, the calls run, and what may be said.

    round 1..N: the model answers, or asks for calls ─> the calls run (bounded) ─> results appended
                 ├─ a call confirmed an action ──> the reply is the results' own sentences (no claim
                 │                                  in the model's words; one model round saved)
                 ├─ a call failed ───────────────> said honestly, with the provider's reason
                 └─ only look-ups ───────────────> the model goes again with the results
    the last round (or past the time budget) offers no tools: the model must answer.

The extra messages (the assistant's calls, then one ``tool`` message per result) follow the
turn's prompt, so the system prompt, the tools and the history stay a stable prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..llm.base import ChatMessage, LanguageModel, assistant_tool_calls, tool_message
from ..llm.fallback import MessageBuilder
from ..tools.base import Tool, ToolCall, ToolError, ToolResult
from ..tools.toolbox import Toolbox

MAX_ROUNDS = 3
"""Model rounds that may ask for tools in one turn."""
TIME_BUDGET_S = 30.0
"""After this long in a turn no more tools are offered: the next round answers."""
REASON_CHARS = 160
"""A failure's reason is cut to this many characters for speech."""


@dataclass
class ToolTurn:
    """The tool state of one turn (``toolbox`` None: no tools, the model just answers)."""

    toolbox: Toolbox | None
    max_rounds: int = MAX_ROUNDS
    veto: Callable[[ToolCall], str | None] | None = None
    """Why a call must not run (a security-sensitive action), or None: it runs."""
    time_budget_s: float = TIME_BUDGET_S
    tools: list[Tool] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    rounds: int = 0
    _extra: list[ChatMessage] = field(default_factory=list)
    _started: float = field(default_factory=time.monotonic)

    async def start(self) -> list[Tool]:
        """The tools this turn offers (none when no provider is reachable)."""
        self.tools = await self.toolbox.tools() if self.toolbox is not None else []
        return self.tools

    @property
    def confirmed(self) -> bool:
        """Whether a tool in this turn confirmed an action: only then may the reply claim one."""
        return any(result.confirms_action for result in self.results)

    def offered(self) -> Sequence[Tool]:
        """The tools for the next model round (none in the last round or past the budget)."""
        if self.rounds >= self.max_rounds or time.monotonic() - self._started > self.time_budget_s:
            return ()
        return self.tools

    def messages(self, build: MessageBuilder) -> MessageBuilder:
        """``build`` with this turn's calls and results after the prompt."""

        async def with_results(backend: LanguageModel) -> Sequence[ChatMessage]:
            return [*await build(backend), *self._extra]

        return with_results

    async def run(self, calls: Sequence[ToolCall], said: str = "") -> list[ToolResult]:
        """Run ``calls`` one after another (order matters: "off, then on") and append their results."""
        assert self.toolbox is not None, "calls without tools offered"
        self.rounds += 1
        results = [await self._call(call) for call in calls]
        self.results.extend(results)
        self._extra.append(assistant_tool_calls(calls, said))
        self._extra.extend(tool_message(result.call, result.text) for result in results)
        return results


    async def _call(self, call: ToolCall) -> ToolResult:
        assert self.toolbox is not None
        if self.veto is not None and (reason := self.veto(call)) is not None:
            return ToolResult.failed(call, ToolError(reason, code="tool-refused"))
        return await self.toolbox.call(call)


def final_speech(results: Sequence[ToolResult]) -> list[str]:
    """The confirmations' own sentences, in order (empty when nothing was confirmed)."""
    return [result.speech or "Done." for result in results if result.confirms_action]


def failure_reasons(results: Sequence[ToolResult]) -> list[str]:
    """Short reasons of the failed calls, for an honest sentence."""
    reasons = []
    for result in results:
        if not result.ok:
            reason = result.text.split(": ", 1)[-1].strip().rstrip(".")
            reasons.append(reason[:REASON_CHARS])
    return reasons
