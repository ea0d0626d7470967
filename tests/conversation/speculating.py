"""An agent on the real embedded test model whose generations can be counted (shared by the
speculation tests of the agent and of the voice pipeline)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aria_server.conversation import Agent, create_agent
from aria_server.conversation.speculation import Speculation
from aria_server.llm.base import ChatMessage, LanguageModel
from aria_server.llm.fallback import LlmChain
from tests.conversation.conftest import agent_settings
from tests.llm.servers import TEST_MODEL


@dataclass
class Generation:
    """One call of the model: what it was asked, what it said, whether it ran to its end."""

    request: str
    deltas: list[str] = field(default_factory=list)
    finished: bool = False
    stopped_early: bool = False

    @property
    def text(self) -> str:
        return "".join(self.deltas)


class CountingModel:
    """The real embedded backend, with a record of every generation it was asked for.

    Not a mock: every call goes to the model; the wrapper only writes down what passed."""

    def __init__(self, backend: LanguageModel) -> None:
        self._backend = backend
        self.generations: list[Generation] = []
        self.started = asyncio.Event()
        """Set when a generation produced its first words."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def stream(self, messages: Sequence[ChatMessage]) -> AsyncGenerator[str, None]:
        generation = Generation(request=messages[-1]["content"])
        self.generations.append(generation)
        return self._stream(messages, generation)

    async def _stream(self, messages: Sequence[ChatMessage], generation: Generation) -> AsyncGenerator[str, None]:
        deltas = self._backend.stream(messages)
        try:
            async for delta in deltas:
                if delta:
                    generation.deltas.append(delta)
                    self.started.set()
                yield delta
            generation.finished = True
        except (GeneratorExit, asyncio.CancelledError):
            generation.stopped_early = True
            raise
        finally:
            await deltas.aclose()

    def asked(self, *words: str) -> list[Generation]:
        """The generations whose request contains every one of ``words`` (lower case)."""
        return [g for g in self.generations if all(word in g.request.lower() for word in words)]


async def counting_agent(data_dir: Path, **llm: object) -> tuple[Agent, CountingModel]:
    """A started agent on the test model (temperature 0) that speculates, its chain's one backend counted.

    The token timeout is long: on a shared two-core machine the model, Whisper and Piper run at
    once, and these tests are about what is generated and spoken, not how fast."""
    llm = {"first_token_timeout_s": 60.0, "speculative": True, **llm}
    agent = create_agent(agent_settings(data_dir, backend="embedded", model=TEST_MODEL, temperature=0.0, **llm))
    assert agent.chain is not None
    model = CountingModel(agent.chain.backends[0])
    agent.chain = LlmChain([model], first_token_timeout_s=agent.settings.first_token_timeout_s)
    await agent.start()
    return agent, model


async def reply_text(agent: Agent, conversation_id: str, text: str, speculation: Speculation | None = None) -> str:
    """The whole reply the agent gives (as a face would speak it), with the turn's speculation."""
    return "".join([delta async for delta in agent.reply(conversation_id, text, language="en", speculation=speculation)])


async def drain(deltas: AsyncIterator[str]) -> str:
    return "".join([delta async for delta in deltas])
