"""A started backend lent to a chain that must not close it (every call but ``aclose`` goes to
the real backend: this is not a fake)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

from aria_server.llm.base import ChatMessage, LanguageModel


class Borrowed:
    """``backend`` as a chain member whose ``aclose`` leaves it running for other tests."""

    def __init__(self, backend: LanguageModel) -> None:
        self._backend = backend
        self.name = backend.name
        self.context_size = backend.context_size
        self.max_tokens = backend.max_tokens

    @property
    def model(self) -> str | None:
        return self._backend.model

    @property
    def loaded(self) -> bool:
        return self._backend.loaded

    async def start(self) -> None:
        """Already started by its owner."""

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return await self._backend.count_tokens(texts)

    def stream(self, messages: Sequence[ChatMessage]) -> AsyncGenerator[str, None]:
        return self._backend.stream(messages)

    async def ping(self) -> None:
        await self._backend.ping()

    async def aclose(self) -> None:
        """Left open for the other tests."""
