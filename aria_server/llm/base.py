"""The language-model protocol every backend implements, and the factory that picks one.

A backend streams the text of one answer to a list of chat messages. It loads (or reaches)
its model once in ``start`` and is shared by every conversation; it holds no per-turn state.
Failures are typed: ``LlmUnavailable`` when the model cannot be reached (retryable),
``LlmError`` when it answered with an error.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Any, Literal, NotRequired, Protocol, TypedDict

from ..errors import ConfigError
from ..settings import LlmSettings
from ..tools.base import Tool, ToolCall

BackendName = Literal["embedded", "ollama", "openai"]


class ChatMessage(TypedDict):
    """One message of a chat, in the shape both the OpenAI and Ollama APIs take.

    In a tool-call turn an ``assistant`` message carries ``tool_calls``
    (``{"id", "type": "function", "function": {"name", "arguments": dict}}``; the OpenAI backend
    turns the arguments into the JSON string its API wants) and each result is a ``tool`` message.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: NotRequired[list[dict[str, Any]]]
    tool_call_id: NotRequired[str]
    name: NotRequired[str]


StreamItem = str | ToolCall
"""What a backend streams when it was offered tools: text deltas, and the calls it asks for."""


def assistant_tool_calls(calls: Sequence[ToolCall], content: str = "") -> ChatMessage:
    """The assistant message that asked for ``calls`` (appended before their results)."""
    return {"role": "assistant", "content": content, "tool_calls": [
        {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        for call in calls
    ]}


def tool_message(call: ToolCall, text: str) -> ChatMessage:
    """One tool result as the model reads it."""
    return {"role": "tool", "content": text, "tool_call_id": call.id, "name": call.name}


class LanguageModel(Protocol):
    """One backend: a model behind a server, or in this process."""

    name: str
    """Backend name as in the settings (``ollama``, ``openai``, ``embedded``)."""

    @property
    def context_size(self) -> int:
        """Tokens the model sees at once; the history is trimmed to fit with room for the reply."""
        ...

    @property
    def max_tokens(self) -> int:
        """Longest reply, tokens."""
        ...

    @property
    def model(self) -> str | None:
        """The model's name or path (None while a server-chosen default is not known yet)."""
        ...

    @property
    def loaded(self) -> bool:
        """True once ``start`` succeeded (the model answered or is in memory)."""
        ...

    async def start(self) -> None:
        """Load or reach the model and warm it up.

        ConfigError when a local model or library is missing (a start-up failure);
        LlmUnavailable / LlmError when a server is down or refuses (the chain retries later).
        """
        ...

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text: exact where the backend has a tokenizer, else an estimate."""
        ...

    def stream(self, messages: Sequence[ChatMessage], tools: Sequence[Tool] = ()) -> AsyncGenerator[StreamItem, None]:
        """Text deltas of the answer to ``messages`` (system first, the user's text last).

        With ``tools`` the model may ask for calls instead: each comes as a ``ToolCall`` (a
        backend or model that cannot do tools just answers). Raises LlmUnavailable / LlmError;
        ``aclose()`` cancels the generation (barge-in).
        """
        ...

    async def ping(self) -> None:
        """A cheap check that the model can be reached (LlmUnavailable when not)."""
        ...

    async def aclose(self) -> None:
        """Release connections, threads and memory."""
        ...


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` without a tokenizer: one per 3.5 characters, rounded up.

    Deliberately on the high side (English averages ~4 characters a token), so a trimmed
    history fits even when the estimate is off.
    """
    return (len(text) * 2 + 6) // 7


# Imported only when chosen, so a missing optional library only matters to whoever picks that
# backend (faster-whisper's models.py does the same with find_spec).
_BACKENDS: dict[BackendName, tuple[str, str, tuple[str, ...], str]] = {
    "ollama": ("ollama", "OllamaBackend", ("ollama",), "pip install ollama"),
    "openai": ("openai_compat", "OpenAICompatBackend", ("openai",), "pip install openai"),
    "embedded": (
        "llama_cpp",
        "LlamaCppBackend",
        ("llama_cpp",),
        "pip install 'aria-voice[embedded-llm]' (builds llama-cpp-python)",
    ),
}


def create_backend(name: BackendName, settings: LlmSettings, data_dir: Path, *, primary: bool) -> LanguageModel:
    """The backend ``name`` configured from ``settings`` (not yet started).

    ``primary``: whether it is the first of the chain; ``url`` and ``model`` apply only to the
    first, so a fallback runs on its own defaults (the bundled model for ``embedded``).
    ConfigError with an install hint when the backend's library is missing.
    """
    module_name, class_name, requires, hint = _BACKENDS[name]
    missing = [module for module in requires if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError(
            f"the {name} LLM backend needs {', '.join(missing)}: {hint}", code="llm-backend-missing"
        )
    module = importlib.import_module(f"{__package__}.{module_name}")
    backend_class = getattr(module, class_name)
    backend: LanguageModel = backend_class.from_settings(settings, data_dir, primary=primary)
    return backend
