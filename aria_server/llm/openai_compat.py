"""Any OpenAI-compatible server (vLLM, llama.cpp's server, LM Studio) through the official
``openai`` async client, streaming.

The client's own retries are off (``max_retries=0``): a retry with back-off would hold the
user for seconds, and the fallback chain decides what happens after a failure.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from ..errors import LlmError, LlmUnavailable
from ..settings import LlmSettings
from ..tools.base import Tool, ToolCall
from .base import ChatMessage, StreamItem, estimate_tokens
from .tool_text import parse_call

_LOGGER = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000/v1"
"""vLLM's default address; llama.cpp's server is usually http://127.0.0.1:8080/v1."""


@contextlib.contextmanager
def _typed_errors(url: str) -> Iterator[None]:
    """Map the client's exceptions onto LlmUnavailable (cannot reach) and LlmError (refused)."""
    try:
        yield
    except openai.APIConnectionError as err:  # includes APITimeoutError
        raise LlmUnavailable(f"cannot reach the OpenAI-compatible server at {url}: {err}") from err
    except openai.APIStatusError as err:
        code = "llm-model-missing" if err.status_code == 404 else "llm-failed"
        raise LlmError(f"the server at {url} answered {err.status_code}: {err.message}", code=code) from err
    except openai.OpenAIError as err:
        raise LlmError(f"the server at {url} failed: {err!r}") from err
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
        # A body that is not the API's (garbage, another schema): the server's fault, not the
        # client's, so it must not reach a face as a "malformed event" of the user's request.
        raise LlmError(f"the server at {url} sent an answer that is not a chat completion: {err!r}",
                       code="llm-bad-answer") from err


class OpenAICompatBackend:
    """Chat completions from an OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        url: str,
        model: str | None,
        *,
        api_key: str | None,
        context_size: int,
        max_tokens: int,
        temperature: float,
        connect_timeout_s: float,
    ) -> None:
        self.url = url
        self._model = model
        self.context_size = context_size
        self.max_tokens = max_tokens
        self.temperature = temperature
        # Local servers ignore the key, but the client insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=url,
            api_key=api_key or "sk-no-key",
            max_retries=0,
            timeout=openai.Timeout(None, connect=connect_timeout_s),
        )
        self._loaded = False
        self._tool_mode: Literal["stream", "whole", "none"] = "stream"
        """How this server takes tools: streamed, only unstreamed, or not at all (found out on use)."""

    @classmethod
    def from_settings(cls, settings: LlmSettings, data_dir: Path, *, primary: bool) -> OpenAICompatBackend:
        """The backend for ``settings`` (url/model only when it is the first of the chain)."""
        return cls(
            (settings.url if primary else None) or DEFAULT_URL,
            settings.model if primary else None,
            api_key=settings.api_key,
            context_size=settings.context_size,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            connect_timeout_s=settings.first_token_timeout_s,
        )

    @property
    def model(self) -> str | None:
        """The configured model, or the first one the server lists."""
        return self._model

    @property
    def loaded(self) -> bool:
        """True once the server answered."""
        return self._loaded

    async def list_models(self) -> list[str]:
        """Ids of the models the server offers."""
        with _typed_errors(self.url):
            page = await self._client.models.list()
        return [model.id for model in page.data]

    async def start(self) -> None:
        """Check the server and pick the model (the server keeps it loaded itself)."""
        names = await self.list_models()
        if self._model is None:
            if not names:
                raise LlmError(f"the server at {self.url} lists no models", code="llm-model-missing")
            self._model = names[0]
            _LOGGER.info("no --llm-model given: using %s, the first model the server lists", self._model)
        elif self._model not in names:
            _LOGGER.warning("the server at %s does not list %s (it has %s)", self.url, self._model, ", ".join(names[:8]))
        self._loaded = True

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """An estimate: tokenizer endpoints are not part of the OpenAI API."""
        return [estimate_tokens(text) for text in texts]

    async def stream(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = ()) -> AsyncGenerator[StreamItem, None]:
        """Streamed chat completion; LlmUnavailable / LlmError on failure.

        With ``tools``: the API's ``tools``; streamed ``tool_calls`` arrive in pieces (the name
        first, the arguments' JSON in fragments, keyed by index) and are yielded whole at the end.
        Not every server can: llama.cpp's server calls tools only unstreamed ("Automatic streaming
        tool choice is not supported": an empty 200), vLLM without ``--enable-auto-tool-choice``
        answers 400. A streamed tool request that fails before its first chunk is asked again
        unstreamed, and when that fails too the server gets no tools from then on: it just answers.
        """
        if self._model is None:
            await self.start()
        if not tools or self._tool_mode == "none":
            async for item in self._streamed(messages, ()):
                yield item
            return
        fell_back = False
        if self._tool_mode == "stream":
            started = False
            try:
                async for item in self._streamed(messages, tools):
                    started = True
                    yield item
                return
            except LlmError as err:  # llama.cpp's server drops the connection: that, too, is "cannot stream tools"
                if started:
                    raise
                _LOGGER.warning("the server at %s cannot stream tool calls (%s); asking unstreamed", self.url, err)
                self._tool_mode = "whole"
                fell_back = True
        try:
            try:
                answer = await self._whole(messages, tools)
            except LlmUnavailable:
                if self._tool_mode != "whole" or not fell_back:
                    raise
                # The failed stream can leave its pooled connection dead (llama.cpp's server
                # closes it after the error): once more, on a fresh connection.
                answer = await self._whole(messages, tools)
        except LlmUnavailable:
            raise
        except LlmError as err:
            _LOGGER.warning("the server at %s cannot call tools (%s); answering without them", self.url, err)
            self._tool_mode = "none"
            async for item in self._streamed(messages, ()):
                yield item
            return
        for item in answer:
            yield item

    def _request(self, messages: Sequence[ChatMessage], tools: Sequence[Tool]) -> dict[str, Any]:
        assert self._model is not None
        request: dict[str, Any] = {
            "model": self._model, "max_tokens": self.max_tokens, "temperature": self.temperature,
            "messages": [cast(ChatCompletionMessageParam, _wire_message(m)) for m in messages],
        }
        if tools:
            # "auto" is the API's default with tools, but llama.cpp's server calls nothing unless told.
            request.update(tools=[tool.as_openai() for tool in tools], tool_choice="auto")
        return request

    async def _streamed(self, messages: Sequence[ChatMessage], tools: Sequence[Tool]) -> AsyncGenerator[StreamItem, None]:
        pending: dict[int, dict[str, str]] = {}
        with _typed_errors(self.url):
            chunks = await self._client.chat.completions.create(stream=True, **self._request(messages, tools))
            # Leaving the block closes the response, which stops the server's generation.
            received = 0
            async with chunks:
                async for chunk in chunks:
                    received += 1
                    if not chunk.choices:
                        continue
                    delta = chunk.choices[0].delta
                    if delta.content:
                        yield delta.content
                    for piece in delta.tool_calls or ():
                        entry = pending.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
                        entry["id"] = piece.id or entry["id"]
                        if piece.function is not None:
                            entry["name"] += piece.function.name or ""
                            entry["arguments"] += piece.function.arguments or ""
                        yield ""  # progress for the chain's stall timeout; nothing to speak
        if not received:
            # A 200 whose body holds no server-sent event at all is not an empty answer.
            raise LlmError(f"the server at {self.url} answered without a single completion chunk", code="llm-bad-answer")
        for index in sorted(pending):
            call = _tool_call(pending[index], index)
            if call is not None:
                yield call
        self._loaded = True

    async def _whole(self, messages: Sequence[ChatMessage], tools: Sequence[Tool]) -> list[StreamItem]:
        """One unstreamed completion with tools: its text, then its calls."""
        with _typed_errors(self.url):
            completion = await self._client.chat.completions.create(stream=False, **self._request(messages, tools))
            if not completion.choices:
                raise LlmError(f"the server at {self.url} answered without a choice", code="llm-bad-answer")
            message = completion.choices[0].message
            items: list[StreamItem] = [message.content] if message.content else []
            for index, call in enumerate(message.tool_calls or ()):
                function = getattr(call, "function", None)
                if function is None:
                    continue
                parsed = _tool_call({"id": call.id, "name": function.name, "arguments": function.arguments or ""}, index)
                if parsed is not None:
                    items.append(parsed)
        self._loaded = True
        return items

    async def ping(self) -> None:
        """Lists the models: cheap, and proves the server answers."""
        await self.list_models()

    async def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any], max_tokens: int = 96) -> str:
        """One greedy answer constrained to ``schema`` (``response_format`` json_schema, strict:
        vLLM, llama.cpp's server and OpenAI decode under it)."""
        if self._model is None:
            await self.start()
        assert self._model is not None
        with _typed_errors(self.url):
            completion = await self._client.chat.completions.create(
                model=self._model, max_tokens=max_tokens, temperature=0.0, stream=False,
                messages=[cast(ChatCompletionMessageParam, _wire_message(m)) for m in messages],
                response_format=cast(Any, {"type": "json_schema", "json_schema": {"name": "intent", "schema": schema, "strict": True}}),
            )
        if not completion.choices:
            raise LlmError(f"the server at {self.url} answered without a choice", code="llm-bad-answer")
        return completion.choices[0].message.content or ""

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()


def _wire_message(message: ChatMessage) -> dict[str, object]:
    """``message`` as the API takes it: a call's arguments as a JSON string."""
    wire: dict[str, object] = dict(message)
    if "tool_calls" in message:
        wire["tool_calls"] = [
            {**call, "function": {**call["function"], "arguments": json.dumps(call["function"]["arguments"])}}
            for call in message["tool_calls"]
        ]
    if message["role"] == "tool":
        wire.pop("name", None)  # OpenAI's tool message has no name (only tool_call_id)
    return wire


def _tool_call(entry: dict[str, str], index: int) -> ToolCall | None:
    """One streamed call put together (None when its name or JSON arguments are broken)."""
    call = parse_call(json.dumps({"name": entry["name"], "arguments": entry["arguments"] or "{}"}))
    if call is None or not entry["name"]:
        _LOGGER.warning("the server sent a tool call that is not valid: %r", entry)
        return None
    return ToolCall(id=entry["id"] or f"call_{index}", name=call.name, arguments=call.arguments)
