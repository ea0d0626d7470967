"""The wire's typed exceptions, each with a stable machine-readable code.

    AriaError(code, message)
    ├── ProtocolError        malformed or oversize Wyoming frame
    │   ├── FrameTooLarge    a header announced more bytes than allowed: close the connection
    │   └── JsonRejected     JSON too deep, an integer too long, NaN (``jsonsafe.loads_bounded``)
    ├── IdleTimeout          a peer sent nothing (or stalled mid-frame) for too long
    ├── AudioFormatError     unsupported rate/width/channels, or audio outside a stream
    └── SettingsError        a program's settings (file, environment, command line) do not validate

The server adds its stage errors (``aria_server.errors``) under the same base; faces translate
them into wire errors and tests assert on ``code``.
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


class ProtocolError(AriaError):
    """A frame could not be parsed; the stream can resync at the next line."""

    default_code = "bad-frame"


class FrameTooLarge(ProtocolError):
    """A frame exceeds the size limits; its payload is not read and the connection closes."""

    default_code = "frame-too-large"


class JsonRejected(ProtocolError):
    """Invalid or unbounded JSON (too deep, a huge integer, NaN): refused, never a crash."""

    default_code = "bad-json"


class AudioFormatError(AriaError):
    """Audio in a format Aria does not accept, or audio outside audio-start/stop."""

    default_code = "bad-audio-format"


class IdleTimeout(AriaError):
    """No event arrived in time; ``mid_frame``: the peer stalled inside a frame (close it)."""

    default_code = "idle-timeout"

    def __init__(self, message: str, *, mid_frame: bool) -> None:
        super().__init__(message, code="frame-timeout" if mid_frame else None)
        self.mid_frame = mid_frame


class SettingsError(AriaError):
    """Settings that cannot start the program: the message names each bad key and its option."""

    default_code = "bad-settings"
