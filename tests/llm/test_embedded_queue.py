"""The embedded model under load (issue 13 item 7): waiting behind other turns is not failing, and
a long conversation interleaved with others resumes from its own cached prefix."""

from __future__ import annotations

import asyncio

import psutil

from aria_server.llm.base import ChatMessage
from aria_server.llm.fallback import LlmChain
from aria_server.llm.llama_cpp import LlamaCppBackend

from .borrowed import Borrowed

SYSTEM = "You are Aria, a helpful voice assistant."


async def test_turns_queued_behind_others_do_not_time_out_or_mark_the_model_down(embedded: LlamaCppBackend) -> None:
    # Twelve turns at once against a one-at-a-time model with the default 4 s first-token timeout: the
    # last waits for eleven whole answers (of up to 48 tokens each, ~0.5 s apiece on two idle
    # cores) before its first token. Before the keep-alives the queue counted against the
    # timeout, and the chain marked the healthy model down.
    chain = LlmChain([Borrowed(embedded)], first_token_timeout_s=4.0, cool_down_s=(600.0, 600.0))
    questions = [f"Tell me a long story about the number {n}." for n in range(12)]

    async def turn(question: str) -> str:
        async def build(_: object) -> list[ChatMessage]:
            return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]

        return "".join([text async for _, text in chain.stream(build)])

    # return_exceptions: every turn finishes here, none is left queued for the next test.
    answers = await asyncio.gather(*(turn(question) for question in questions), return_exceptions=True)
    assert [answer for answer in answers if not isinstance(answer, str) or not answer.strip()] == []
    health = chain.health()
    assert health["status"] == "ok" and health["chain"][0]["failures"] == 0 and health["last_error"] is None
    await chain.aclose()


def worker_rss_mib(backend: LlamaCppBackend) -> float:
    assert backend._worker.pid is not None
    return psutil.Process(backend._worker.pid).memory_info().rss / 2**20


async def test_a_long_conversation_keeps_its_cached_prefix_when_others_interleave(embedded: LlamaCppBackend) -> None:
    rss_before = worker_rss_mib(embedded)
    history: list[ChatMessage] = [{"role": "system", "content": SYSTEM}]
    for question in ["Name a fruit.", "Name a colour.", "Name an animal.", "Name a country.", "Name a city."]:
        history.append({"role": "user", "content": question})
        answer = "".join([delta async for delta in embedded.stream(history)])
        history.append({"role": "assistant", "content": answer.strip()})
    # Another conversation takes the model (and llama.cpp's live KV cache) in between.
    other = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "What is a river?"}]
    assert "".join([delta async for delta in embedded.stream(other)]).strip()
    history.append({"role": "user", "content": "Name a planet."})
    assert "".join([delta async for delta in embedded.stream(history)]).strip()
    evaluated = embedded.last_prompt_tokens_evaluated
    whole = sum(await embedded.count_tokens([message["content"] for message in history]))
    assert evaluated is not None and 0 < evaluated
    # Only the last reply and the new question were evaluated; the rest came from the RAM cache.
    last_two = sum(await embedded.count_tokens([history[-2]["content"], history[-1]["content"]]))
    assert evaluated <= last_two + 16 < whole, (evaluated, last_two, whole)
    # Seven cached states cost their KV size, not a copy of llama-cpp-python's logits array each
    # (which took this worker from 215 to 396 MiB before the worker trimmed it).
    assert worker_rss_mib(embedded) - rss_before < 64
