"""The few typed exceptions of Aria, each with a stable machine-readable code.

    AriaError(code, message)
    ├── ConfigError          bad setting or missing model at start-up
    ├── ProtocolError        malformed or oversize Wyoming frame
    │   └── FrameTooLarge    a header announced more bytes than allowed: close the connection
    ├── AudioFormatError     unsupported rate/width/channels, or audio outside a stream
    ├── SttError
    ├── LlmError
    │   └── LlmUnavailable   connection failure: retryable
    ├── TtsError
    └── SatelliteGone

Faces (Wyoming, HTTP, WebSocket) translate these into wire errors; tests assert on ``code``.
"""

from __future__ import annotations


class AriaError(Exception):
    """Base of every error Aria reports to a client."""

    default_code = "aria-error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"


class ConfigError(AriaError):
    """A setting has a bad value, or a configured model cannot be found."""

    default_code = "bad-config"


class ProtocolError(AriaError):
    """A frame could not be parsed; the stream can resync at the next line."""

    default_code = "bad-frame"


class FrameTooLarge(ProtocolError):
    """A frame exceeds the size limits; its payload is not read and the connection closes."""

    default_code = "frame-too-large"


class AudioFormatError(AriaError):
    """Audio in a format Aria does not accept, or audio outside audio-start/stop."""

    default_code = "bad-audio-format"


class SttError(AriaError):
    """Speech-to-text failed."""

    default_code = "stt-failed"


class LlmError(AriaError):
    """The language model failed or answered with an error."""

    default_code = "llm-failed"


class LlmUnavailable(LlmError):
    """The language model server cannot be reached (retryable)."""

    default_code = "llm-unavailable"


class TtsError(AriaError):
    """Text-to-speech failed."""

    default_code = "tts-failed"


class SatelliteGone(AriaError):
    """A satellite disconnected while a turn was in flight."""

    default_code = "satellite-gone"
