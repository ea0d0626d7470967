"""The ``/ws`` messages (the brief's protocol), parsed strictly on the way in, built on the way out.

Client -> server, JSON text frames::

    {"type": "text", "data": "what time is it", "timestamp": 1718000000000, "speak": true}
    {"type": "command", "data": "start" | "stop" | "cancel" | "new-conversation", "timestamp": ...}
    {"type": "audio", "data": "<base64 PCM>", "timestamp": ...}   (binary frames are preferred)

and binary frames of microphone audio: 16-bit little-endian PCM, 16 kHz mono, 512 samples each.

Server -> client, JSON text frames ``{"type", "data", "metadata"}``::

    status      data: idle | listening | thinking | speaking | error   (metadata.error on errors)
    transcript  data: text; metadata.final false for partials, true for the transcript
    response    data: a text delta (final false), then the whole reply (final true)
    audio       data: "start" (metadata: rate, width, channels, encoding) or "end"

and, between ``audio start`` and ``audio end``, binary frames of the reply's PCM.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aria_wire.audio import MODEL_FORMAT
from aria_wire.errors import JsonRejected
from aria_wire.jsonsafe import loads_bounded

from ..errors import AudioFormatError, ProtocolError

SAMPLES_PER_FRAME = 512
"""Microphone frames the dashboard sends: 512 samples (32 ms at 16 kHz)."""

INPUT_FORMAT = MODEL_FORMAT
"""Microphone audio on ``/ws``: 16 kHz, 16-bit, mono."""


class Command(StrEnum):
    """What a ``command`` message can ask."""

    START = "start"
    """Start listening: binary frames that follow are the user's speech."""
    STOP = "stop"
    """The user finished speaking (push-to-talk release); VAD may end the turn earlier."""
    CANCEL = "cancel"
    """Barge-in: drop the turn in flight, reply audio included."""
    NEW_CONVERSATION = "new-conversation"
    """Forget the conversation's context: later turns start a new history."""


class ClientMessage(BaseModel):
    """One JSON message from the client."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["audio", "text", "command"]
    data: str = Field(max_length=1_000_000)
    timestamp: float | None = Field(None, description="client clock, ms (echoed nowhere; for the client's own use)")
    speak: bool = Field(True, description="text turns: synthesize the reply (false: text only)")


def parse_client_message(raw: str) -> ClientMessage:
    """A validated message, or a ProtocolError whose code says what was wrong."""
    try:
        decoded = loads_bounded(raw)  # deep nesting or a huge integer is bad-json, not a crash
    except JsonRejected as err:
        raise JsonRejected(f"not valid JSON: {err.message}") from err
    if not isinstance(decoded, dict):
        raise ProtocolError("a message must be a JSON object", code="bad-message")
    try:
        message = ClientMessage.model_validate(decoded)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in err.errors())
        raise ProtocolError(f"bad message: {problems}", code="bad-message") from err
    if message.type == "command" and message.data not in set(Command):
        known = ", ".join(command.value for command in Command)
        raise ProtocolError(f"unknown command {message.data!r} (known: {known})", code="unknown-command")
    return message


def decode_audio(data: str) -> bytes:
    """PCM from a JSON audio message's base64 ``data``."""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as err:
        raise AudioFormatError(f"audio data is not base64: {err}", code="bad-audio") from err


def message(type_: str, data: str, **metadata: Any) -> dict[str, Any]:
    """A server message; ``metadata`` keys are camelCase, as the brief spells them."""
    return {"type": type_, "data": data, "metadata": metadata}


def error_status(code: str, text: str, **metadata: Any) -> dict[str, Any]:
    """The status message that reports an error."""
    return message("status", "error", error={"code": code, "message": text}, **metadata)
