"""The chain of language-model backends: the first that answers in time wins.

A backend fails when it cannot be reached, answers with an error, or sends no token within
``first_token_timeout_s`` (nor any later token within the same time). A failed backend is
skipped for a cool-down that doubles with each failure (2 s ... 60 s), so a dead server costs
the user nothing after the first failure, and a probe task checks it in the background and
puts it back as soon as it answers. Health is kept per backend for ``/health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import LlmError, LlmUnavailable
from ..tools.base import Tool
from .base import ChatMessage, LanguageModel, StreamItem

_LOGGER = logging.getLogger(__name__)

MessageBuilder = Callable[[LanguageModel], Awaitable[Sequence[ChatMessage]]]
"""Builds the messages for one backend (its own context size and tokenizer decide the trim)."""

COOL_DOWN_FIRST_S = 2.0
COOL_DOWN_MAX_S = 60.0


@dataclass
class _BackendState:
    """What the chain knows about one backend."""

    backend: LanguageModel
    failures: int = 0
    """Consecutive failed answers (a probe that succeeds does not reset it; an answer does)."""
    retry_at: float = 0.0
    """Monotonic time before which the backend is skipped."""
    last_error: str | None = None
    last_error_code: str | None = None
    healthy: bool = True
    """Whether the last real outcome was good: an answer, or (after a connection failure only) a
    probe that reached the server again. A probe cannot vouch for a server that answered 500,
    stalled or sent garbage, so those stay unhealthy until a turn is answered."""

    def available(self, now: float) -> bool:
        return now >= self.retry_at

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "backend": self.backend.name,
            "model": self.backend.model,
            "loaded": self.backend.loaded,
            "available": self.available(now),
            "healthy": self.healthy,
            "failures": self.failures,
            "last_error": self.last_error,
            "last_error_code": self.last_error_code,
        }


class LlmChain:
    """Backends in order of preference; shared by every conversation."""

    def __init__(
        self,
        backends: Sequence[LanguageModel],
        *,
        first_token_timeout_s: float,
        cool_down_s: tuple[float, float] = (COOL_DOWN_FIRST_S, COOL_DOWN_MAX_S),
        start_timeout_s: float | None = None,
    ) -> None:
        """``cool_down_s``: (after the first failure, at most) seconds a failed backend is skipped;
        ``start_timeout_s``: longest start (check and warm-up) of one backend (None: no bound)."""
        if not backends:
            raise ValueError("a chain needs at least one backend")
        self._states = [_BackendState(backend) for backend in backends]
        self.first_token_timeout_s = first_token_timeout_s
        self.cool_down_s = cool_down_s
        self.start_timeout_s = start_timeout_s
        self._probes: dict[int, asyncio.Task[None]] = {}
        self._last_answer_by: int | None = None

    @property
    def backends(self) -> list[LanguageModel]:
        """The backends, first choice first."""
        return [state.backend for state in self._states]

    async def start(self) -> None:
        """Start every backend; one that is down is probed in the background (ConfigError propagates).

        Each start is bounded by ``start_timeout_s``: a server that accepts the connection and
        then says nothing used to hold the whole start-up (no port opened, STT and TTS down too).
        """
        for index, state in enumerate(self._states):
            try:
                try:
                    async with asyncio.timeout(self.start_timeout_s):
                        await state.backend.start()
                except TimeoutError as err:
                    raise LlmUnavailable(
                        f"{state.backend.name} did not finish its start-up check within {self.start_timeout_s:g} s",
                        code="llm-timeout",
                    ) from err
            except LlmError as err:
                _LOGGER.warning("LLM backend %s is not available at start-up: %s", state.backend.name, err)
                self._failed(index, err)

    async def stream(
        self, build: MessageBuilder, tools: Sequence[Tool] = ()
    ) -> AsyncIterator[tuple[LanguageModel, StreamItem]]:
        """(backend, text delta) pairs of one answer from the first backend that answers.

        With ``tools`` a backend may also yield ``ToolCall``s (after its text, if any).

        Raises LlmError (LlmUnavailable when nothing could be reached) when every backend failed
        or is cooling down, or when the answering backend fails mid-answer (a second model
        cannot continue another's sentence).
        """
        failure: LlmError | None = None
        for index, state in enumerate(self._states):
            if not state.available(time.monotonic()):
                continue
            backend = state.backend
            if failure is not None:
                _LOGGER.warning("LLM fallback: trying %s after %s", backend.name, failure)
            produced = False
            try:
                messages = await build(backend)
                deltas = backend.stream(messages, tools) if tools else backend.stream(messages)
                async with contextlib.aclosing(deltas):
                    while True:
                        try:
                            async with asyncio.timeout(self.first_token_timeout_s):
                                text = await anext(deltas)
                        except StopAsyncIteration:
                            break
                        if not text:
                            continue  # a keep-alive: the backend is queued behind other turns, not failing
                        produced = True
                        yield backend, text
            except TimeoutError as err:
                what = "further" if produced else "first"
                failure = LlmUnavailable(
                    f"{backend.name} sent no {what} token within {self.first_token_timeout_s:g} s", code="llm-timeout"
                )
                failure.__cause__ = err
            except LlmError as err:
                failure = err
            except Exception as err:  # a backend bug or an unmapped library error: still the model's failure
                _LOGGER.warning("LLM backend %s failed unexpectedly", backend.name, exc_info=True)
                failure = LlmError(f"{backend.name} failed: {err!r}", code="llm-bad-answer")
                failure.__cause__ = err
            else:
                self._succeeded(index)
                return
            self._failed(index, failure)
            if produced:
                raise failure
        raise failure or LlmUnavailable("every language model is cooling down after failures", code="llm-unavailable")

    def _cool_down(self, failures: int) -> float:
        first, most = self.cool_down_s
        return float(min(first * 2 ** (failures - 1), most))

    def _succeeded(self, index: int) -> None:
        state = self._states[index]
        if state.failures:
            _LOGGER.info("LLM backend %s answers again", state.backend.name)
        state.failures = 0
        state.retry_at = 0.0
        state.healthy = True
        self._last_answer_by = index

    def _failed(self, index: int, err: LlmError) -> None:
        state = self._states[index]
        state.failures += 1
        cool_down = self._cool_down(state.failures)
        state.retry_at = time.monotonic() + cool_down
        state.last_error, state.last_error_code = err.message, err.code
        state.healthy = False
        _LOGGER.warning(
            "LLM backend %s failed (%s): %s; skipped for %.0f s", state.backend.name, err.code, err.message, cool_down
        )
        if index not in self._probes:
            task = asyncio.create_task(self._probe(index), name=f"llm-probe {state.backend.name}")
            self._probes[index] = task
            task.add_done_callback(lambda _: self._probes.pop(index, None))

    async def _probe(self, index: int) -> None:
        """Until the backend answers: wait out its cool-down, then check it (start it if never loaded)."""
        state = self._states[index]
        backend = state.backend
        while True:
            await asyncio.sleep(max(0.0, state.retry_at - time.monotonic()))
            timeout = self.first_token_timeout_s if backend.loaded else (self.start_timeout_s or self.first_token_timeout_s)
            try:
                async with asyncio.timeout(timeout):
                    await (backend.ping() if backend.loaded else backend.start())
            except (LlmError, TimeoutError) as err:
                state.failures += 1
                state.retry_at = time.monotonic() + self._cool_down(state.failures)
                _LOGGER.debug("LLM backend %s still unavailable: %r", backend.name, err)
                continue
            state.retry_at = 0.0
            # Reaching the server again cures "cannot reach it", nothing else.
            state.healthy = state.last_error_code == "llm-unavailable"
            _LOGGER.info("LLM backend %s is reachable again", backend.name)
            return

    def health(self) -> dict[str, Any]:
        """The first backend's state, whether a fallback is answering instead, and every backend's."""
        now = time.monotonic()
        primary = self._states[0]
        available = [index for index, state in enumerate(self._states) if state.available(now)]
        fallback_in_use = bool(available) and (
            available[0] != 0 or (self._last_answer_by is not None and self._last_answer_by != 0)
        )
        # The last real outcome, not only the cool-down: a server that answers 500 to every
        # turn is available again 2 s after each failure, and must not read "ok" meanwhile.
        good = [index for index in available if self._states[index].healthy]
        status: Literal["ok", "degraded", "down"] = "down" if not good else "degraded" if good[0] != 0 else "ok"
        last_error = next((state.last_error for state in self._states if state.last_error), None)
        return {
            "status": status,
            "backend": primary.backend.name,
            "model": primary.backend.model,
            "loaded": primary.backend.loaded,
            "fallback_in_use": fallback_in_use,
            "last_error": primary.last_error or last_error,
            # Only the embedded backend runs here; a server backend's device is the server's business.
            "device": getattr(primary.backend, "device", None),
            "device_reason": getattr(primary.backend, "device_reason", None),
            "chain": [state.as_dict(now) for state in self._states],
        }

    async def aclose(self) -> None:
        """Stop the probes, then close every backend."""
        probes = list(self._probes.values())
        for task in probes:
            task.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
        for state in self._states:
            await state.backend.aclose()
