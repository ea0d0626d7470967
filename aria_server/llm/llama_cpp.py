"""llama.cpp (llama-cpp-python) on a GGUF file, on this machine; the fresh-machine default.

The model runs in a worker process of its own (``llama_worker.py`` says why), which serves one
generation at a time on one thread, as llama.cpp needs. It is loaded and warmed at start-up; if
it dies, the chain's probe starts it again. The bundled models (``gguf.py``; by default
Qwen2.5-Coder-0.5B-Instruct) are instruction-tuned and driven through their own chat template
(ChatML), as is any GGUF the user points to; ``--llm-prompt-style completion`` drives a base
model with a few-shot transcript instead (``completion.py``).

Turns wait for the model here, in the parent, one at a time (FIFO): while a turn waits it
yields empty keep-alive deltas as long as the model is making progress on the turn ahead, so
the chain's first-token timeout measures the model, not the queue (issue 13 item 7). The worker
keeps each conversation's KV state in a bounded RAM cache keyed by prompt tokens, so a long
conversation interleaved with others resumes from its own cached prefix instead of evaluating
its whole history again.

Tools (issue 11 §3.2): in chat style they go to the worker, which hands them to the GGUF's own
Jinja2 chat template (Qwen renders them into the system message, ahead of the history, so the
prefix stays cached); the calls the model writes as ``<tool_call>`` text are parsed here
(``tool_text.py``). A completion-style (base) model gets no tools: it just answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Any, Literal

from ..concurrency import run_blocking
from ..errors import ConfigError, LlmError, LlmUnavailable
from ..settings import LlmSettings
from ..tools.base import Tool
from .base import ChatMessage, StreamItem
from .completion import MAX_TOKENS, STOP, completion_prompt, prompt_header
from .gguf import bundled_gguf, bundled_model
from .tool_text import ToolCallText
from .worker_process import Message, WorkerProcess

_LOGGER = logging.getLogger(__name__)

PromptStyle = Literal["completion", "chat"]
LOAD_TIMEOUT_S = 300.0
MAX_SENTENCES = 2
"""A base model's answer is cut after this many sentences."""
KEEP_ALIVE_S = 0.5
"""How often a queued turn tells the chain it is still waiting (well under any first-token timeout)."""
PROGRESS_WINDOW_S = 10.0
"""A queued turn keeps waiting only while the turn ahead started or produced output this recently:
a hung worker stops the keep-alives, and the chain's timeout then fails the turn as it should."""
PROMPT_WINDOW_S = 120.0
"""The same while the turn ahead has produced nothing yet: evaluating a long prompt (the tools'
schemas and Home Assistant's device list, warmed at start) sends nothing for many seconds on a
small CPU, and is progress all the same."""
QUEUE_LIMIT_S = 120.0
"""Longest wait for the model behind other turns; then the turn gets the spoken apology."""
CACHE_BYTES = 256 << 20
"""KV states kept for conversations other than the last one (llama-cpp-python's RAM cache)."""


class LlamaCppBackend:
    """A GGUF model loaded once, shared by every conversation, one generation at a time."""

    name = "embedded"

    def __init__(
        self,
        path: Path | None,
        data_dir: Path,
        *,
        bundled: str | None = None,
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
        self._bundled = bundled if path is None else None
        """Name of the bundled model to use when no path is given (None: the default one)."""
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
        self._turn = asyncio.Lock()
        """Held by the generation the worker is serving; asyncio's lock wakes waiters in FIFO order."""
        self._turn_started = 0.0
        self._turn_output = False
        """Whether the generation holding the model has sent anything yet (else it evaluates its prompt)."""
        self._bundled_path = False
        self.last_prompt_tokens_evaluated: int | None = None
        """Prompt tokens the last finished generation had to evaluate (the rest came from a cache)."""

    @classmethod
    def from_settings(cls, settings: LlmSettings, data_dir: Path, *, primary: bool) -> LlamaCppBackend:
        """``--llm-model`` (first backend only) names a bundled model or a GGUF path; else the default bundled model."""
        name = settings.model if primary else None
        bundled = name if name is None or bundled_model(name) is not None else None
        path = Path(name).expanduser() if name is not None and bundled is None else None
        return cls(
            path, data_dir, bundled=bundled, prompt_style=settings.prompt_style, system_prompt=settings.system_prompt,
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
        return "llama-cpp-python was built without GPU support (see docs/speech-models.md, On a GPU): CPU"

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
        if self._path is None or self._bundled_path:
            path = bundled_gguf(self._data_dir, self._bundled)
            self._bundled_path = True
        else:
            path = self._path
        if not path.is_file():
            raise ConfigError(f"GGUF model {path} not found", code="model-not-found")
        if self._style_setting == "auto":
            bundled = bundled_model(self._bundled) if self._bundled_path else None
            self.style = bundled.style if bundled is not None else "chat"
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
                "n_gpu_layers": self.gpu_layers, "warm": self._warm_request(), "cache_bytes": CACHE_BYTES}
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

    def _generate_request(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = ()) -> Message:
        request: Message = {"op": "generate", "max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.style == "completion":
            return {**request, "mode": "completion", "prompt": completion_prompt(messages), "stop": STOP,
                    "max_sentences": MAX_SENTENCES}
        request = {**request, "mode": "chat", "messages": [dict(m) for m in messages]}
        if tools:
            request["tools"] = [tool.as_openai() for tool in tools]
        return request

    async def stream(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = ()) -> AsyncGenerator[StreamItem, None]:
        """Text deltas as the worker produces them; closing the iterator cancels the generation.

        While other turns hold the model, empty deltas say "still queued" (see the module doc).
        With ``tools`` (chat style only) the ``<tool_call>`` blocks come out as ``ToolCall``s.
        """
        queued_at = time.monotonic()
        while True:
            try:
                async with asyncio.timeout(KEEP_ALIVE_S):
                    await self._turn.acquire()
                break
            except TimeoutError:
                self._check_queue(queued_at)
                yield ""
        try:
            self._turn_started = time.monotonic()
            self._turn_output = False
            offered = tuple(tools) if self.style == "chat" else ()
            if not offered:
                async for delta in self._generate(messages):
                    yield delta
                return
            splitter = ToolCallText()
            async with contextlib.aclosing(self._generate(messages, offered)) as deltas:
                async for delta in deltas:
                    text = splitter.feed(delta)
                    yield text  # "" while a call is being written: the chain sees progress, nothing is spoken
                    if splitter.complete:
                        break  # closing the generation stops the model
            rest = splitter.finish()
            if rest:
                yield rest
            for call in splitter.calls:
                yield call
        finally:
            self._turn.release()

    async def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any], max_tokens: int = 96) -> str:
        """One greedy answer that can only be JSON of ``schema`` (llama.cpp's grammar); chat style only."""
        if self.style != "chat":
            raise LlmError("constrained answers need a chat-style model", code="llm-no-schema")
        request: Message = {
            "op": "generate", "mode": "chat", "messages": [dict(m) for m in messages], "max_tokens": max_tokens,
            "temperature": 0.0, "schema": schema,
        }
        async with self._turn:
            self._turn_started = time.monotonic()
            rid, queue = await self._request(request)
            pieces: list[str] = []
            try:
                while (answer := await queue.get())["op"] == "delta":
                    pieces.append(answer["text"])
            finally:
                self._worker.forget(rid)
        if answer["op"] == "error":
            raise _error(answer)
        return "".join(pieces)

    def _check_queue(self, queued_at: float) -> None:
        """LlmUnavailable when waiting longer makes no sense: the worker is gone, stuck, or the queue too slow."""
        if not self.loaded:
            raise LlmUnavailable("the embedded model process is not running")
        now = time.monotonic()
        if now - queued_at > QUEUE_LIMIT_S:
            raise LlmUnavailable(f"waited {QUEUE_LIMIT_S:g} s for the embedded model behind other turns", code="llm-busy")
        window = PROGRESS_WINDOW_S if self._turn_output else PROMPT_WINDOW_S
        if now - max(self._turn_started, self._worker.last_output_at) > window:
            raise LlmUnavailable("the embedded model made no progress on the turn ahead", code="llm-timeout")

    async def _generate(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = ()) -> AsyncGenerator[str, None]:
        rid, queue = await self._request(self._generate_request(messages, tools))
        finished = False
        try:
            while True:
                answer = await queue.get()
                if answer["op"] == "delta":
                    self._turn_output = True
                    yield answer["text"]
                    continue
                finished = True
                if answer["op"] == "error":
                    raise _error(answer)
                self.last_prompt_tokens_evaluated = answer.get("prompt_tokens_evaluated")
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
