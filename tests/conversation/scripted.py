"""A scripted language model: fixed replies, chosen by a marker in the last message it is sent.

A stand-in only where a real model's behaviour cannot be ordered (a model that gives a wrong
number, or two answers that disagree): the chain, the agent, the solver, the check and the store
around it are real. It records every request, so a test can say the model was never asked.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence

from aria_server.llm.base import ChatMessage


class ScriptedModel:
    """Streams ``replies[marker]`` for the first marker found in the last message (else
    ``replies[""]``), word by word."""

    name = "embedded"
    context_size = 2048
    max_tokens = 64
    model = "scripted"
    loaded = True

    def __init__(self, replies: Mapping[str, str]) -> None:
        self.replies = dict(replies)
        self.requests: list[list[ChatMessage]] = []
        self.closed_early = 0
        """Generations stopped before their end (the consumer closed the stream)."""

    async def start(self) -> None:
        """Nothing to load."""

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) for text in texts]

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncGenerator[str, None]:
        self.requests.append(list(messages))
        last = messages[-1]["content"] if messages else ""
        marker = next((key for key in self.replies if key and key in last), "")
        reply = self.replies.get(marker, "")
        words = reply.split(" ")
        finished = False
        try:
            for index, word in enumerate(words):
                yield word if index == 0 else f" {word}"
            finished = True
        finally:
            if not finished:
                self.closed_early += 1

    async def ping(self) -> None:
        """Always reachable."""

    async def aclose(self) -> None:
        """Nothing to release."""
