"""llama.cpp in this process (llama-cpp-python) on a GGUF file; the fresh-machine default.

llama.cpp is not thread-safe, so the model lives on one single-thread executor and every call
(load, warm-up, tokenize, each generated token) goes through it (C8). The bundled Gemma 3 270M
is a base model and is driven as a completion model (``completion.py``); a GGUF the user points
to is driven through its chat template unless ``--llm-prompt-style completion`` says otherwise.
llama-cpp-python reuses the KV cache for the longest common prompt prefix, so the fixed header
warmed at start-up, and the stable start of a conversation, are not evaluated again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import llama_cpp

from ..concurrency import iterate_in_thread, model_executor, run_blocking
from ..errors import ConfigError, LlmError
from ..settings import LlmSettings
from .base import ChatMessage
from .completion import MAX_TOKENS, STOP, completion_prompt, limit_sentences, prompt_header
from .gguf import bundled_gguf

_LOGGER = logging.getLogger(__name__)

PromptStyle = Literal["completion", "chat"]


class LlamaCppBackend:
    """A GGUF model loaded once, shared by every conversation, one generation at a time."""

    name = "embedded"

    def __init__(
        self,
        path: Path | None,
        data_dir: Path,
        *,
        prompt_style: Literal["auto", "completion", "chat"],
        system_prompt: str,
        context_size: int,
        max_tokens: int,
        temperature: float,
        threads: int,
    ) -> None:
        self._path = path
        self._data_dir = data_dir
        self._style_setting = prompt_style
        self.system_prompt = system_prompt
        self.context_size = context_size
        self._max_tokens = max_tokens
        self.temperature = temperature
        self.threads = threads or os.cpu_count() or 1
        self._executor = model_executor("llama")
        self._llama: llama_cpp.Llama | None = None
        self.style: PromptStyle = "completion" if prompt_style == "completion" else "chat"

    @classmethod
    def from_settings(cls, settings: LlmSettings, data_dir: Path, *, primary: bool) -> LlamaCppBackend:
        """``--llm-model`` is the GGUF path when embedded is the first backend; else the bundled model."""
        path = Path(settings.model).expanduser() if primary and settings.model else None
        return cls(
            path,
            data_dir,
            prompt_style=settings.prompt_style,
            system_prompt=settings.system_prompt,
            context_size=settings.context_size,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            threads=settings.threads,
        )

    @property
    def model(self) -> str | None:
        """The GGUF file's name (None before start when it is the bundled default)."""
        return self._path.name if self._path is not None else None

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._llama is not None

    @property
    def max_tokens(self) -> int:
        """Reply limit; a base model driven as a completion model gets a short one."""
        return min(self._max_tokens, MAX_TOKENS) if self.style == "completion" else self._max_tokens

    async def start(self) -> None:
        """Find (or assemble) the GGUF, load it on the model thread and warm it up."""
        await run_blocking(self._executor, self._load)

    def _load(self) -> None:
        started = time.perf_counter()
        bundled = self._path is None
        if self._path is None:
            self._path = bundled_gguf(self._data_dir)
        if not self._path.is_file():
            raise ConfigError(f"GGUF model {self._path} not found", code="model-not-found")
        if self._style_setting == "auto":
            self.style = "completion" if bundled else "chat"
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(self._path), n_ctx=self.context_size, n_threads=self.threads, verbose=False
            )
        except (ValueError, RuntimeError) as err:
            raise ConfigError(f"cannot load GGUF model {self._path}: {err}", code="model-not-loadable") from err
        loaded = time.perf_counter()
        self._warm_up()
        _LOGGER.info(
            "llama.cpp model %s loaded in %.2f s, warmed up in %.2f s (%s prompts, %d threads)",
            self._path.name, loaded - started, time.perf_counter() - loaded, self.style, self.threads,
        )

    def _warm_up(self) -> None:
        """One token from the fixed prompt start: later prompts find it in the KV cache."""
        assert self._llama is not None
        if self.style == "completion":
            self._llama.create_completion(prompt_header(self.system_prompt), max_tokens=1)
        else:
            self._llama.create_chat_completion(
                [{"role": "system", "content": self.system_prompt}, {"role": "user", "content": "Hello"}],
                max_tokens=1,
            )

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Exact counts from the model's own tokenizer (on the model thread)."""

        def count() -> list[int]:
            llama = self._require()
            return [len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)) for text in texts]

        return await run_blocking(self._executor, count)

    def _require(self) -> llama_cpp.Llama:
        if self._llama is None:
            raise LlmError("the embedded model is not loaded", code="llm-not-loaded")
        return self._llama

    def _generate(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """The blocking token stream (runs on the model thread, one ``next`` at a time)."""
        llama = self._require()
        chunks: Iterator[Any]
        if self.style == "completion":
            chunks = llama.create_completion(
                completion_prompt(messages), max_tokens=self.max_tokens, temperature=self.temperature,
                stop=STOP, stream=True,
            )  # type: ignore[assignment]
            texts = (chunk["choices"][0]["text"] for chunk in chunks)
            return limit_sentences(text for text in texts if text)
        chunks = llama.create_chat_completion(
            [dict(m) for m in messages], max_tokens=self.max_tokens, temperature=self.temperature, stream=True
        )  # type: ignore[assignment]
        deltas = (chunk["choices"][0]["delta"].get("content") for chunk in chunks)
        return (text for text in deltas if text)

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        """Text deltas, each token generated on the model thread; LlmError when llama.cpp fails."""
        tokens = await run_blocking(self._executor, self._generate, messages)
        try:
            async for text in iterate_in_thread(self._executor, tokens):
                yield text
        except (ValueError, RuntimeError) as err:
            raise LlmError(f"llama.cpp failed: {err}") from err
        finally:
            # Closing the generator finalises llama.cpp's state; queued on the model thread
            # (after any token still being computed), never run from this thread or the GC.
            self._executor.submit(tokens.close)  # type: ignore[attr-defined]

    async def ping(self) -> None:
        """In-process: reachable whenever it is loaded."""
        self._require()

    async def aclose(self) -> None:
        """Free the model on its thread, then stop the thread."""

        def free() -> None:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

        await run_blocking(self._executor, free)
        self._executor.shutdown(wait=True)
