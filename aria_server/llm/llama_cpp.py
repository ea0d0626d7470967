"""llama.cpp (llama-cpp-python) on a GGUF file, on this machine; the fresh-machine default.

The model runs in a worker process of its own (``llama_worker.py`` says why), which serves one
request at a time on one thread, as llama.cpp needs. It is loaded and warmed at start-up; if it
dies, the chain's probe starts it again. The bundled Gemma 3 270M is a base model and is driven
as a completion model (``completion.py``); a GGUF the user points to is driven through its chat
template unless ``--llm-prompt-style completion`` says otherwise. llama-cpp-python reuses the KV
cache for the longest common prompt prefix, so the fixed header warmed at start-up, and the
stable start of a conversation, are not evaluated again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Literal

from ..concurrency import run_blocking
from ..errors import ConfigError, LlmError, LlmUnavailable
from ..settings import LlmSettings
from .base import ChatMessage
from .completion import MAX_TOKENS, STOP, completion_prompt, prompt_header
from .gguf import bundled_gguf
from .worker_process import Message, WorkerProcess

_LOGGER = logging.getLogger(__name__)

PromptStyle = Literal["completion", "chat"]
LOAD_TIMEOUT_S = 300.0
MAX_SENTENCES = 2
"""A base model's answer is cut after this many sentences."""


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
        gpu_layers: int = 0,
    ) -> None:
        self._path = path
        self.gpu_layers = gpu_layers
        self._gpu_offload: bool | None = None
        """Whether the loaded llama.cpp build can offload to a GPU (known once loaded)."""
        self._bundled = path is None
        self._data_dir = data_dir
        self._style_setting = prompt_style
        self.system_prompt = system_prompt
        self.context_size = context_size
        self._max_tokens = max_tokens
        self.temperature = temperature
        self.threads = threads or os.cpu_count() or 1
        self.style: PromptStyle = "chat" if prompt_style == "chat" else "completion"
        self._worker = WorkerProcess()
        self._loaded = False

    @classmethod
    def from_settings(cls, settings: LlmSettings, data_dir: Path, *, primary: bool) -> LlamaCppBackend:
        """``--llm-model`` is the GGUF path when embedded is the first backend; else the bundled model."""
        path = Path(settings.model).expanduser() if primary and settings.model else None
        return cls(
            path, data_dir, prompt_style=settings.prompt_style, system_prompt=settings.system_prompt,
            context_size=settings.context_size, max_tokens=settings.max_tokens,
            temperature=settings.temperature, threads=settings.threads, gpu_layers=settings.gpu_layers,
        )

    @property
    def model(self) -> str | None:
        """The GGUF file's name (None before start when it is the bundled default)."""
        return self._path.name if self._path is not None else None

    @property
    def device(self) -> str:
        """``cuda`` when layers are offloaded to a GPU, else ``cpu``."""
        return "cuda" if self.gpu_layers != 0 and self._gpu_offload else "cpu"

    @property
    def device_reason(self) -> str:
        """Why the model runs where it does."""
        if self.gpu_layers == 0:
            return "--llm-gpu-layers 0: CPU only"
        if self._gpu_offload is None:
            return "not loaded yet"
        if self._gpu_offload:
            return f"{'all' if self.gpu_layers < 0 else self.gpu_layers} layers offloaded to the GPU"
        return "llama-cpp-python was built without GPU support (see the README, On a GPU): CPU"

    @property
    def loaded(self) -> bool:
        """True while the model is loaded in a running worker."""
        return self._loaded and self._worker.alive

    @property
    def max_tokens(self) -> int:
        """Reply limit; a base model driven as a completion model gets a short one."""
        return min(self._max_tokens, MAX_TOKENS) if self.style == "completion" else self._max_tokens

    def _resolve(self) -> Path:
        """The GGUF path, assembling the bundled one on first use (blocking file work)."""
        path = bundled_gguf(self._data_dir) if self._bundled else self._path
        assert path is not None
        if not path.is_file():
            raise ConfigError(f"GGUF model {path} not found", code="model-not-found")
        if self._style_setting == "auto":
            self.style = "completion" if self._bundled else "chat"
        return path

    def _warm_request(self) -> Message:
        if self.style == "completion":
            return {"mode": "completion", "prompt": prompt_header(self.system_prompt)}
        return {"mode": "chat", "messages": [{"role": "system", "content": self.system_prompt}, {"role": "user", "content": "Hello"}]}

    async def start(self) -> None:
        """Start the worker, load the GGUF there and warm it up (ConfigError when it cannot load)."""
        self._path = await run_blocking(None, self._resolve)
        await self._worker.close()
        self._worker = WorkerProcess()
        await self._worker.spawn()
        load = {"op": "load", "path": str(self._path), "n_ctx": self.context_size, "threads": self.threads,
                "n_gpu_layers": self.gpu_layers, "warm": self._warm_request()}
        try:
            answer = await self._call(load, timeout=LOAD_TIMEOUT_S)
        except LlmError as err:
            await self._worker.close()
            raise ConfigError(f"cannot load GGUF model {self._path}: {err.message}", code="model-not-loadable") from err
        self._loaded = True
        self._gpu_offload = bool(answer.get("gpu_offload"))
        _LOGGER.info(
            "llama.cpp model %s loaded in %.2f s, warmed up in %.2f s (%s prompts, %d threads, worker pid %s)",
            self._path.name, answer["load_s"], answer["warm_s"], self.style, self.threads, self._worker.pid,
        )

    async def _call(self, message: Message, timeout: float | None = None) -> Message:
        """One request, one answer (LlmError for an error answer)."""
        rid, queue = await self._request(message)
        try:
            async with asyncio.timeout(timeout):
                answer = await queue.get()
        finally:
            self._worker.forget(rid)
        if answer["op"] == "error":
            raise _error(answer)
        return answer

    async def _request(self, message: Message) -> tuple[int, asyncio.Queue[Message]]:
        try:
            return await self._worker.request(message)
        except (ConnectionError, OSError) as err:
            self._loaded = False
            raise LlmUnavailable(f"the embedded model process is not running: {err}") from err

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Exact counts from the model's own tokenizer (served between two generated tokens)."""
        answer = await self._call({"op": "tokenize", "texts": list(texts)})
        return [int(count) for count in answer["counts"]]

    def _generate_request(self, messages: Sequence[ChatMessage]) -> Message:
        request: Message = {"op": "generate", "max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.style == "completion":
            return {**request, "mode": "completion", "prompt": completion_prompt(messages), "stop": STOP,
                    "max_sentences": MAX_SENTENCES}
        return {**request, "mode": "chat", "messages": [dict(m) for m in messages]}

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncGenerator[str, None]:
        """Text deltas as the worker produces them; closing the iterator cancels the generation."""
        rid, queue = await self._request(self._generate_request(messages))
        finished = False
        try:
            while True:
                answer = await queue.get()
                if answer["op"] == "delta":
                    yield answer["text"]
                    continue
                finished = True
                if answer["op"] == "error":
                    raise _error(answer)
                return
        finally:
            if not finished:
                self._worker.cancel(rid)
            self._worker.forget(rid)

    async def ping(self) -> None:
        """Reachable while the worker runs with the model loaded."""
        if not self.loaded:
            raise LlmUnavailable("the embedded model process is not running")

    async def aclose(self) -> None:
        """Stop the worker (it frees the model as it exits)."""
        self._loaded = False
        await self._worker.close()


def _error(answer: Message) -> LlmError:
    if answer.get("exited"):
        return LlmUnavailable(f"the embedded model process exited: {answer['message']}")
    return LlmError(f"llama.cpp failed: {answer['message']}")
