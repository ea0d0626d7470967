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
    ├── TimerLimitError      a timer too long, or too many timers
    ├── HomeError            Home Assistant failed (``home-failed``)
    │   ├── HomeUnreachable  no answer within the timeout, connection refused (``home-unreachable``)
    │   └── HomeUnauthorized the token was refused, or none is set (``home-unauthorized``)
    ├── RemoteUnavailable    a remote Wyoming STT/TTS cannot be reached: the fallback runs
    ├── RemoteFailed         a remote Wyoming STT/TTS answered with an error
    ├── RequestError         the client asked for something wrong or not allowed (with ``fields``)
    ├── InternalError        a bug: anything unexpected, caught at a face
    └── SatelliteError       a satellite cannot do what was asked (unknown, refuses settings, silent)
        └── SatelliteGone    it disconnected while a turn was in flight

The wire errors (protocol, framing, audio format) live in ``aria_wire.errors`` and are
re-exported here. Every code any of these is raised with is listed, with its class and HTTP
status, in ``error_codes.py`` (the catalogue; a test scans the source). Nothing raises the bare
``AriaError``. Faces (Wyoming, HTTP, WebSocket) translate these into wire errors; tests assert
on ``code``.
"""

from __future__ import annotations

from collections.abc import Mapping

from aria_wire.errors import AriaError, AudioFormatError, FrameTooLarge, ProtocolError

__all__ = [
    "AriaError", "AudioFormatError", "ConfigError", "FrameTooLarge", "HomeError", "HomeUnauthorized",
    "HomeUnreachable", "InternalError", "LlmError", "LlmUnavailable", "ProtocolError", "RemoteFailed",
    "RemoteUnavailable", "RequestError", "SatelliteError", "SatelliteGone", "SttError", "TimerLimitError", "TtsError",
]


class ConfigError(AriaError):
    """A setting has a bad value, or a configured model cannot be found."""

    default_code = "bad-config"


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


class TimerLimitError(AriaError):
    """A timer longer than allowed (``timer-too-long``), or more than allowed (``too-many-timers``)."""

    default_code = "timer-limit"


class SatelliteError(AriaError):
    """A satellite cannot do what was asked: none has that name, it takes no settings, it did not answer."""

    default_code = "satellite-failed"


class SatelliteGone(SatelliteError):
    """A satellite disconnected while a turn was in flight."""

    default_code = "satellite-gone"


class HomeError(AriaError):
    """Home Assistant answered with something Aria cannot use (an HTTP error, a malformed body)."""

    default_code = "home-failed"


class HomeUnreachable(HomeError):
    """Home Assistant cannot be reached, or did not answer within ``ha.timeout_s``."""

    default_code = "home-unreachable"


class HomeUnauthorized(HomeError):
    """Home Assistant refused the access token (or no token is configured)."""

    default_code = "home-unauthorized"


class RemoteUnavailable(AriaError):
    """A remote Wyoming service cannot be reached, or it stopped answering (retryable)."""

    default_code = "remote-unavailable"


class RemoteFailed(AriaError):
    """A remote Wyoming service answered with an error event."""

    default_code = "remote-failed"


class RequestError(AriaError):
    """The client asked for something wrong or not allowed; ``fields`` names the bad ones.

    Its HTTP status is its code's, in the catalogue (``error_codes.py``)."""

    default_code = "bad-request"

    def __init__(self, message: str, code: str | None = None, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message, code)
        self.fields = dict(fields or {})


class InternalError(AriaError):
    """Something failed that should not have (a bug); the details are in the server log."""

    default_code = "internal-error"
