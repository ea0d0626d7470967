"""Speculative replies: the language model starts on the quick transcript of a pause that ends
the turn, so its first words are ready when the final transcript confirms them.

    at the pause        speculation = Speculation(conversation_id, quick_text, history, stream)
                        (held by the turn: ``turn_taking.TurnDecisions``)
    speech resumes      speculation.cancel()                      (the reply answers the whole utterance)
    final transcript    await claim(request.speculation, final_text, history)
                          same request, same history -> the speculation: its buffered deltas, then the rest
                          otherwise                  -> None (cancelled; the agent starts afresh)

Only the generation is speculative: it has no side effects. Local intents, Home Assistant, the
truth guard, tools and storing the turn all run at commit, in their normal order, on the final
transcript; the agent consumes a matching speculation at its language-model step instead of
starting a stream. Nothing of a speculation is spoken before ``take`` hands it over (the deltas
wait in a queue), and a speculation that is not taken is cancelled, which stops the generation
itself (the embedded worker is told to stop between two tokens, a server's request is closed).

"The same request" is compared on words: case, punctuation and whitespace do not count ("What
time is it?" and "what time is it" are one request; Whisper's quick and full passes differ so).
"The same history": the conversation's stored turns when the speculation started and at commit;
a turn of the same conversation committed meanwhile makes the speculation's prompt stale.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from enum import StrEnum

from ..errors import LlmError
from ..llm.base import LanguageModel
from ..stt.base import same_words

_LOGGER = logging.getLogger(__name__)

Delta = tuple[LanguageModel, str]
"""What the chain streams: the backend answering and a text delta."""
StreamFactory = Callable[[], AsyncIterator[Delta]]
"""Starts the language-model stream of one request (the agent's own, as at commit)."""
HistoryKey = Callable[[], Awaitable[Hashable]]
"""What identifies the conversation's history now (its stored turns' ids)."""


class Outcome(StrEnum):
    """What became of a speculation (the turn's spans and ``/metrics`` carry it)."""

    HIT = "hit"
    """The final transcript confirmed it: the reply is its stream."""
    MISS = "miss"
    """The final transcript (or the history, or the model) differed: cancelled, started afresh."""
    CANCELLED = "cancelled"
    """Speech resumed, or the turn was cancelled (barge-in, a new turn, the client left)."""
    UNUSED = "unused"
    """The final request was answered without the language model (a local intent, Home Assistant)."""


def same_request(first: str, second: str) -> bool:
    """Whether two transcripts are one request: equal words, whatever the case and punctuation."""
    return same_words(first, second)


class _End:
    """The stream ended (``error`` set when the model failed)."""

    def __init__(self, error: LlmError | None = None) -> None:
        self.error = error


class Speculation:
    """One speculative generation: running in its own task, its deltas held until taken."""

    def __init__(
        self, conversation_id: str, text: str, history: Hashable, stream: StreamFactory
    ) -> None:
        self.conversation_id = conversation_id
        self.text = text
        self.history = history
        self.outcome: Outcome | None = None
        """None while it may still be taken."""
        self.failed: LlmError | None = None
        self._items: asyncio.Queue[Delta | _End] = asyncio.Queue()
        _LOGGER.debug("conversation %s: speculating on %r", conversation_id, text)
        self._task = asyncio.get_running_loop().create_task(self._pump(stream), name=f"speculation {conversation_id}")

    async def _pump(self, stream: StreamFactory) -> None:
        deltas = stream()
        try:
            async for item in deltas:
                self._items.put_nowait(item)
        except LlmError as err:
            # Kept, not raised: a failed speculation is a miss, and the commit asks the chain
            # afresh (which now skips the backend that failed).
            self.failed = err
            self._items.put_nowait(_End(err))
        else:
            self._items.put_nowait(_End())
        finally:
            aclose = getattr(deltas, "aclose", None)
            if aclose is not None:
                await aclose()

    @property
    def pending(self) -> bool:
        """Not yet taken, missed or cancelled."""
        return self.outcome is None

    def cancel(self, outcome: Outcome = Outcome.CANCELLED) -> None:
        """Stop the generation now; ``outcome`` unless it already has one (a taken speculation is
        cancelled with the reply that consumes it, when that is cut short)."""
        if self.outcome is None:
            self.outcome = outcome
        self._task.cancel()

    async def wait_stopped(self) -> None:
        """Until the generation has stopped (the model is free for the next one)."""
        await asyncio.gather(self._task, return_exceptions=True)

    async def deltas(self) -> AsyncGenerator[Delta, None]:
        """The buffered deltas, then the rest as they come; closing it stops the generation."""
        try:
            while not isinstance(item := await self._items.get(), _End):
                yield item
            if item.error is not None:
                raise item.error
        finally:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def claim(speculation: Speculation | None, text: str, history: HistoryKey) -> Speculation | None:
    """``speculation`` when it answers this very request on this history (it is the reply now);
    otherwise None, and a speculation that does not fit is cancelled (and has stopped)."""
    if speculation is None or not speculation.pending:
        return None
    reason = None
    if not same_request(speculation.text, text):
        reason = "the final transcript differs"
    elif speculation.failed is not None:
        reason = f"it failed ({speculation.failed.code})"
    elif await history() != speculation.history:
        reason = "the conversation moved on meanwhile"
    if reason is None:
        _LOGGER.debug("conversation %s: the speculation on %r is the reply", speculation.conversation_id, text)
        speculation.outcome = Outcome.HIT
        return speculation
    _LOGGER.debug("conversation %s: speculation on %r discarded: %s", speculation.conversation_id, speculation.text, reason)
    speculation.cancel(Outcome.MISS)
    await speculation.wait_stopped()
    return None
