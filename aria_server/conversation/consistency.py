"""The consistency check (``--llm-consistency-check``): a factual answer is spoken only when the
model states the same key fact when asked for the answer alone; otherwise "I'm not sure".

    stream(chain, build, question)
      1. brief: the same conversation and question, with ``BRIEF_INSTRUCTION`` after the question
         (only the answer: a number, a name, a few words); read to its first line or sentence,
         then the generation is stopped
      2. its key facts (``facts.py``): numbers and names; none -> nothing to check, the answer
         streams as usual; "I don't know" -> "I'm not sure" at once
      3. the answer streams as usual, but its opening is held (up to ``HOLD_SENTENCES`` sentences)
         until it states a number or name: agreeing -> released and the rest streams on;
         disagreeing -> the generation is stopped and "I'm not sure" is said instead

Why this check: a model that knows a fact states it the same way under two prompts; one that
guesses drifts (the 0.5B model said the moon is "149 million kilometers" away in one sentence and
something else alone). It costs one short extra generation before the first word: the system
prompt and history are the answer's own, so a local model's prompt cache keeps them and only the
instruction and a few answer tokens are new; and it holds the answer's first sentence; it judges only
answers with numbers or names in them, so "why" questions and definitions pass unchecked. It is
off by default: ``aria-bench answers`` measures what it costs (refused right answers, latency).

Only turns without tools and without a speculation are checked (``responders/model.py``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import cast

from ..llm.base import ChatMessage, LanguageModel, StreamItem
from ..llm.fallback import LlmChain, MessageBuilder
from .facts import KeyFacts, agree, key_facts

BRIEF_INSTRUCTION = (
    "(Reply with only the answer: a number, a name, a date or a few words. No sentence, no explanation. "
    "If you do not know, reply: I don't know.)"
)
"""Appended to the question: the same question, answered bare (its facts are easy to read). After
the question rather than in the system prompt, so the prompt's start is the answer's own (cached)."""
BRIEF_CHARS = 80
"""The brief answer is read this far at most (then the generation is stopped)."""
HOLD_SENTENCES = 2
"""Sentences of the answer held while none of them states a number or name to compare."""
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_WORTH = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|how (?:many|much|far|long|old|big|tall|high|deep|fast|heavy|large|small)|"
    r"in what|in which|on what|name|is|are|was|were|does|did|do|can|has|have)\b"
)
_DEFINITION = re.compile(
    r"^(?:what (?:is|are) (?:a |an )?\w+(?: \w+)?|what does (?:a |an |the )?[\w ]+ (?:mean|measure|do))$"
)
"""A definition ("what is gravity", "what is a prime number"): words, not one fact to compare."""
_NOT_FACTUAL = re.compile(
    r"\b(?:joke|story|poem|song|riddle|you|your|yourself|opinion|think|feel|favorite|favourite|recommend|should i|"
    r"me a|my)\b"
)

Delta = tuple[LanguageModel, str]
_Stream = AsyncGenerator[tuple[LanguageModel, StreamItem], None]


def worth_checking(question: str) -> bool:
    """Whether ``question`` asks for a fact (who/what/when/how many ...), not for chat or a story."""
    words = " ".join(re.sub(r"[^\w' ]+", " ", question.lower()).split())
    return bool(_WORTH.match(words)) and not _NOT_FACTUAL.search(words) and not _DEFINITION.match(words)


def brief_messages(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """``messages`` with ``BRIEF_INSTRUCTION`` after the last user message (all else kept)."""
    out = list(messages)
    for index in range(len(out) - 1, -1, -1):
        if out[index]["role"] == "user":
            out[index] = {**out[index], "content": f"{out[index]['content']}\n\n{BRIEF_INSTRUCTION}"}
            break
    return out


class ConsistencyCheck:
    """Checks a turn's answer against a brief answer to the same question (see the module doc)."""

    def __init__(self, not_sure: str) -> None:
        self.not_sure = not_sure
        """What is said instead of an answer the check refused."""
        self.asked = 0
        """Brief answers asked for (questions worth checking)."""
        self.checked = 0
        """Answers compared: their brief answer had a number or name, or said it did not know."""
        self.refused = 0
        """Answers replaced by ``not_sure``."""

    async def brief(self, chain: LlmChain, build: MessageBuilder) -> str:
        """The model's bare answer: read up to its first line or sentence (``BRIEF_CHARS`` at most)."""

        async def bare(backend: LanguageModel) -> Sequence[ChatMessage]:
            return brief_messages(await build(backend))

        text = ""
        async with contextlib.aclosing(cast(_Stream, chain.stream(bare))) as deltas:
            async for _, delta in deltas:
                text += str(delta)
                if len(text) >= BRIEF_CHARS or "\n" in text.lstrip() or _SENTENCE_END.search(text.strip()[:-1] or "x"):
                    break  # closing the stream stops the generation
        return text.strip().split("\n")[0][:BRIEF_CHARS]

    async def stream(self, chain: LlmChain, build: MessageBuilder, question: str) -> AsyncIterator[Delta]:
        """The chain's answer to ``build``, or ``not_sure`` when it disagrees with the brief answer.

        Raises what the chain raises (LlmError); closing the iterator stops the generation.
        """
        if not worth_checking(question):
            async for item in chain.stream(build):
                yield item  # type: ignore[misc]
            return
        self.asked += 1
        facts = key_facts(await self.brief(chain, build), question)
        async with contextlib.aclosing(cast(_Stream, chain.stream(build))) as deltas:
            if facts.empty and not facts.doubt:
                async for item in deltas:
                    yield item  # type: ignore[misc]
                return
            self.checked += 1
            held: list[str] = []
            backend: LanguageModel | None = None
            deciding = True
            async for backend, delta in deltas:
                if not deciding:
                    yield backend, str(delta)
                    continue
                held.append(str(delta))
                verdict = _verdict(facts, "".join(held), finished=False)
                if verdict is None:
                    continue
                if not verdict:
                    self.refused += 1
                    yield backend, self.not_sure
                    return  # closing the stream stops the generation
                deciding = False
                yield backend, "".join(held)
            if deciding and backend is not None:
                if _verdict(facts, "".join(held), finished=True):
                    yield backend, "".join(held)
                else:
                    self.refused += 1
                    yield backend, self.not_sure


def _verdict(facts: KeyFacts, text: str, *, finished: bool) -> bool | None:
    """True: speak it; False: say "not sure"; None: hold on (no complete sentence to judge yet)."""
    if facts.doubt:
        return False  # the model said it does not know: the long answer would be a guess
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    if not finished and not ends:
        return None
    judged = text if finished else text[: ends[-1]]
    verdict = agree(facts, judged)
    if verdict is not None and (verdict or finished or len(ends) >= HOLD_SENTENCES):
        return verdict
    if finished or len(ends) >= HOLD_SENTENCES:
        # Nothing comparable said in the sentences held: let the answer through (it states no
        # number or name, so it cannot contradict one).
        return True if verdict is None else verdict
    return None
