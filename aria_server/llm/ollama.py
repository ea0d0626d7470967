"""An Ollama server through the official ``ollama`` async client, streaming.

``keep_alive`` goes with every request so the model stays loaded between turns, and
``num_ctx`` with every request too: Ollama reloads a model whose context size changes, so the
warm-up and the turns must ask for the same one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import httpx
import ollama

from ..errors import LlmError, LlmUnavailable
from ..settings import LlmSettings
from ..tools.base import Tool, ToolCall
from .base import ChatMessage, StreamItem, estimate_tokens

_LOGGER = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:11434"


def _keep_alive(value: str) -> str | float:
    """Ollama takes a duration string ("30m") or a number of seconds (-1: forever)."""
    try:
        return float(value)
    except ValueError:
        return value


@contextlib.contextmanager
def _typed_errors(url: str) -> Iterator[None]:
    """Map the client's exceptions onto LlmUnavailable (cannot reach) and LlmError (refused)."""
    try:
        yield
    except ollama.ResponseError as err:
        code = "llm-model-missing" if err.status_code == 404 else "llm-failed"
        raise LlmError(f"Ollama at {url} answered {err.status_code}: {err.error}", code=code) from err
    except (ConnectionError, httpx.TransportError) as err:
        raise LlmUnavailable(f"cannot reach Ollama at {url}: {err!r}") from err
    except httpx.HTTPError as err:
        raise LlmError(f"Ollama at {url} failed: {err!r}") from err
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
        # Garbage or another schema in the body (pydantic's ValidationError is a ValueError):
        # the server's fault, never reported as the client's malformed request.
        raise LlmError(f"Ollama at {url} sent an answer that is not a chat response: {err!r}",
                       code="llm-bad-answer") from err


class OllamaBackend:
    """Chat with a model served by Ollama (model loaded on start, kept loaded by keep_alive)."""

    name = "ollama"

    def __init__(
        self,
        url: str,
        model: str | None,
        *,
        context_size: int,
        max_tokens: int,
        temperature: float,
        keep_alive: str,
        connect_timeout_s: float,
    ) -> None:
        self.url = url
        self._model = model
        self.context_size = context_size
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.keep_alive = _keep_alive(keep_alive)
        # Reads have no deadline here: the chain enforces first-token and stall deadlines.
        self._client = ollama.AsyncClient(host=url, timeout=httpx.Timeout(None, connect=connect_timeout_s))
        self._loaded = False

    @classmethod
    def from_settings(cls, settings: LlmSettings, data_dir: Path, *, primary: bool) -> OllamaBackend:
        """The backend for ``settings`` (url/model only when it is the first of the chain)."""
        return cls(
            (settings.url if primary else None) or DEFAULT_URL,
            settings.model if primary else None,
            context_size=settings.context_size,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            keep_alive=settings.keep_alive,
            connect_timeout_s=settings.first_token_timeout_s,
        )

    @property
    def model(self) -> str | None:
        """The configured model, or the first one the server lists."""
        return self._model

    @property
    def loaded(self) -> bool:
        """True once the server answered the warm-up."""
        return self._loaded

    def _options(self) -> dict[str, Any]:
        return {"num_ctx": self.context_size, "num_predict": self.max_tokens, "temperature": self.temperature}

    async def list_models(self) -> list[str]:
        """Names of the models the server has."""
        with _typed_errors(self.url):
            listing = await self._client.list()
        return [entry.model for entry in listing.models if entry.model]

    async def start(self) -> None:
        """Check the server and the model, then load it (an empty generate loads a model)."""
        names = await self.list_models()
        if self._model is None:
            if not names:
                raise LlmError(f"Ollama at {self.url} has no models; pull one (ollama pull qwen2.5)", code="llm-model-missing")
            self._model = names[0]
            _LOGGER.info("no --llm-model given: using %s, the first model Ollama lists", self._model)
        elif self._model not in names and f"{self._model}:latest" not in names:
            _LOGGER.warning("Ollama at %s does not list %s (it has %s)", self.url, self._model, ", ".join(names[:8]))
        with _typed_errors(self.url):
            # Ollama only loads the model for an empty prompt; num_predict=1 bounds the warm-up
            # on servers that speak the Ollama API but generate anyway.
            await self._client.generate(
                model=self._model, prompt="", keep_alive=self.keep_alive,
                options={"num_ctx": self.context_size, "num_predict": 1},
            )
        self._loaded = True

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """An estimate: the Ollama API has no tokenizer endpoint."""
        return [estimate_tokens(text) for text in texts]

    async def stream(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = ()) -> AsyncGenerator[StreamItem, None]:
        """Streamed chat; LlmUnavailable / LlmError on failure.

        With ``tools``: the API's ``tools``; Ollama sends each call whole (arguments as an object)
        in a message part, yielded after the text.
        """
        if self._model is None:
            await self.start()
        assert self._model is not None
        extra: dict[str, Any] = {"tools": [tool.as_openai() for tool in tools]} if tools else {}
        calls: list[ToolCall] = []
        with _typed_errors(self.url):
            parts = await self._client.chat(
                model=self._model,
                messages=[_wire_message(message) for message in messages],
                stream=True,
                keep_alive=self.keep_alive,
                options=self._options(),
                **extra,
            )
            # Closing the stream closes the HTTP response, which stops the generation on the
            # server at once (barge-in) instead of whenever the garbage collector gets to it.
            done = False
            async with contextlib.aclosing(cast(AsyncGenerator[ollama.ChatResponse, None], parts)):
                async for part in parts:
                    done = done or bool(part.done)
                    if part.message.content:
                        yield part.message.content
                    for call in part.message.tool_calls or ():
                        calls.append(ToolCall(
                            id=f"call_{len(calls) + 1}", name=call.function.name, arguments=dict(call.function.arguments or {}),
                        ))
        if not done:
            # Ollama ends every stream with a done part; without it the answer was cut or never came.
            raise LlmError(f"Ollama at {self.url} ended the answer without its final part", code="llm-bad-answer")
        for call in calls:
            yield call
        self._loaded = True

    async def ping(self) -> None:
        """Lists the models: cheap, and proves the server answers."""
        await self.list_models()

    async def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any], max_tokens: int = 96) -> str:
        """One greedy answer constrained to ``schema`` (Ollama's structured outputs, ``format``)."""
        if self._model is None:
            await self.start()
        assert self._model is not None
        with _typed_errors(self.url):
            answer = await self._client.chat(
                model=self._model, messages=[_wire_message(m) for m in messages], stream=False, format=schema,
                keep_alive=self.keep_alive, options={**self._options(), "temperature": 0.0, "num_predict": max_tokens},
            )
        return answer.message.content or ""

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    """``message`` as Ollama takes it: a tool result names its tool as ``tool_name``."""
    wire: dict[str, Any] = dict(message)
    if message["role"] == "tool":
        wire["tool_name"] = wire.pop("name", "")
        wire.pop("tool_call_id", None)
    return wire
