"""The messages sent to the model for a turn, trimmed to its context window by a token budget.

The prompt is ``[system] + past turns + [user]``. The system prompt never changes and the
window's start moves only when it must, and then by enough to leave room for several more
turns (down to ``LOW_WATER`` of the budget), so consecutive prompts share a long prefix and the
server's prompt cache (llama.cpp's KV cache, vLLM's prefix cache, Ollama's) is reused instead of
the whole history being evaluated again every turn.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from ..llm.base import ChatMessage, LanguageModel
from ..store.history import TurnRecord

_LOGGER = logging.getLogger(__name__)

MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds around each message (role markers, separators)."""
RESERVE = 64
"""Tokens kept free besides the reply: few-shot examples, template differences, estimate error."""
LOW_WATER = 0.6
"""When the history must shrink, it shrinks to this share of the budget, not just below it."""


def choose_start(turn_tokens: Sequence[int], fixed_tokens: int, budget: int, start: int, low_water: float = LOW_WATER) -> int:
    """Index of the oldest turn to keep.

    ``turn_tokens``: tokens of each past turn, oldest first; ``fixed_tokens``: system prompt plus
    the new user text; ``start``: the index used last time. The window keeps ``start`` while
    everything fits the ``budget``; otherwise it drops the oldest turns until the rest fits
    ``low_water * budget``.

        >>> choose_start([10, 10, 10, 10], fixed_tokens=20, budget=100, start=0)
        0
        >>> choose_start([30, 30, 30, 30], fixed_tokens=20, budget=100, start=0)
        3
        >>> choose_start([30, 30, 30, 30], fixed_tokens=200, budget=100, start=0)
        4
    """
    start = min(max(start, 0), len(turn_tokens))
    total = fixed_tokens + sum(turn_tokens[start:])
    if total <= budget:
        return start
    target = low_water * budget
    while start < len(turn_tokens) and total > target:
        total -= turn_tokens[start]
        start += 1
    return start


@dataclass(frozen=True)
class Prompt:
    """The messages of one turn and what trimming did."""

    messages: list[ChatMessage]
    kept_turns: int
    dropped_turns: int
    tokens: int


class PromptBuilder:
    """Builds each turn's messages; remembers per conversation where its window starts."""

    def __init__(self, system_prompt: str, *, max_conversations: int = 1024, max_cached_counts: int = 8192) -> None:
        self.system_prompt = system_prompt
        self._starts: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._counts: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._max_conversations = max_conversations
        self._max_counts = max_cached_counts

    async def _count(self, backend: LanguageModel, texts: Sequence[str]) -> list[int]:
        """Token counts, from a cache where the same text was counted by the same backend."""
        missing = [text for text in dict.fromkeys(texts) if (backend.name, text) not in self._counts]
        if missing:
            for text, count in zip(missing, await backend.count_tokens(missing), strict=True):
                self._counts[(backend.name, text)] = count
                if len(self._counts) > self._max_counts:
                    self._counts.popitem(last=False)
        return [self._counts[(backend.name, text)] + MESSAGE_OVERHEAD for text in texts]

    async def build(
        self, backend: LanguageModel, conversation_id: str, turns: Sequence[TurnRecord], user_text: str,
        *, also: Sequence[str] = (), note: str | None = None,
    ) -> Prompt:
        """``[system] + the turns that fit + [user]`` for ``backend``'s context window.

        ``also``: texts the template adds that take room too (the tools' JSON schemas);
        ``note``: context for this turn only (the satellite's area), after the user's words, so
        it never shifts the cached prefix of system prompt, tools and history.
        """
        if note:
            user_text = f"{user_text}\n({note})"
        counts = await self._count(backend, [self.system_prompt, user_text, *also, *(t for turn in turns for t in (turn.user_text, turn.reply_text))])
        fixed = sum(counts[: 2 + len(also)])
        counts = counts[:2] + counts[2 + len(also):]
        per_turn = [counts[2 + 2 * i] + counts[3 + 2 * i] for i in range(len(turns))]
        budget = backend.context_size - backend.max_tokens - RESERVE
        key = (backend.name, conversation_id)
        # The remembered start is a turn id: the list handed in may begin later than last time.
        start_id = self._starts.get(key, turns[0].id if turns else 0)
        previous = next((i for i, turn in enumerate(turns) if turn.id >= start_id), len(turns))
        start = choose_start(per_turn, fixed, budget, previous)
        if start > previous:
            _LOGGER.info(
                "conversation %s: dropped %d old turn(s) from the %s prompt to fit %d tokens (%d kept)",
                conversation_id, start - previous, backend.name, budget, len(turns) - start,
            )
        self._starts[key] = turns[start].id if start < len(turns) else (turns[-1].id + 1 if turns else 0)
        self._starts.move_to_end(key)
        if len(self._starts) > self._max_conversations:
            self._starts.popitem(last=False)
        messages: list[ChatMessage] = [{"role": "system", "content": self.system_prompt}]
        for turn in turns[start:]:
            messages.append({"role": "user", "content": turn.user_text})
            messages.append({"role": "assistant", "content": turn.reply_text})
        messages.append({"role": "user", "content": user_text})
        return Prompt(messages, len(turns) - start, start, fixed + sum(per_turn[start:]))
