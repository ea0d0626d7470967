"""The catalogue: every error code Aria sends, with the class it is raised as and its HTTP status.

Contract: a code is raised only as its catalogued class (or a subclass), so a face can rebuild
the typed error from a code alone (``error_for``); the HTTP face answers with the catalogued
status (``http_status``), never with a table of its own. A code made at run time (a remote's
own code, ``remote-<its code>``) is not listed: it answers with its class's default code's status.
``tests/test_error_codes.py`` scans the source and fails on a code that is raised but not listed
here, or raised as another class, and on a raise of the bare ``AriaError``.

Wyoming ``error`` events sent without an exception (``too-many-connections``, ``stand-down``)
are listed too, as the class they would be raised as.

The statuses are the ones HTTP answered before the catalogue (a stage's failure is a 500 even
where a finer status would fit: changing that is an API change of its own); codes that only
travel on the Wyoming or /ws wire, and never reach an HTTP answer, carry the status that fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aria_wire.errors import IdleTimeout, JsonRejected, SettingsError

from .errors import (
    AriaError,
    AudioFormatError,
    ConfigError,
    FrameTooLarge,
    HomeError,
    HomeUnauthorized,
    HomeUnreachable,
    InternalError,
    LlmError,
    LlmUnavailable,
    ProtocolError,
    RemoteFailed,
    RemoteUnavailable,
    RequestError,
    SatelliteError,
    SatelliteGone,
    SttError,
    TimerLimitError,
    TtsError,
)
from .tools.base import ToolError


@dataclass(frozen=True)
class ErrorCode:
    """One code: what it is raised as, how HTTP answers it, and what it means."""

    code: str
    error: type[AriaError]
    http_status: int
    meaning: str


def _index(*codes: ErrorCode) -> Mapping[str, ErrorCode]:
    index: dict[str, ErrorCode] = {}
    for entry in codes:
        assert entry.code not in index, f"{entry.code} is catalogued twice"
        index[entry.code] = entry
    return index


CATALOGUE: Mapping[str, ErrorCode] = _index(
    # -- the wire: frames, JSON, audio (a client's mistake) --------------------------------------
    ErrorCode("bad-frame", ProtocolError, 400, "a Wyoming frame could not be parsed"),
    ErrorCode("frame-too-large", FrameTooLarge, 413, "a frame announced more bytes than allowed"),
    ErrorCode("bad-frame-length", FrameTooLarge, 400, "a frame's length field is not a length"),
    ErrorCode("bad-json", JsonRejected, 400, "invalid or unbounded JSON (too deep, a huge integer, NaN)"),
    ErrorCode("bad-event", ProtocolError, 400, "an event with missing or mistyped fields"),
    ErrorCode("bad-message", ProtocolError, 400, "a /ws message that is not an object with a type"),
    ErrorCode("unknown-command", ProtocolError, 400, "a /ws message type the server does not know"),
    ErrorCode("unknown-program", ProtocolError, 404, "select-program named a program this server lacks"),
    ErrorCode("synthesis-not-started", ProtocolError, 400, "synthesize-chunk/stop without synthesize-start"),
    ErrorCode("bad-satellite-address", ProtocolError, 400, "a satellite address that is not tcp://HOST:PORT"),
    ErrorCode("too-many-connections", ProtocolError, 503, "the connection caps are reached (sent, then closed)"),
    ErrorCode("idle-timeout", IdleTimeout, 408, "a peer sent nothing for too long"),
    ErrorCode("frame-timeout", IdleTimeout, 408, "a peer stalled inside a frame"),
    ErrorCode("bad-audio-format", AudioFormatError, 400, "audio in a rate/width/channels Aria does not take"),
    ErrorCode("bad-audio", AudioFormatError, 400, "audio bytes that are not whole 16-bit samples or not base64"),
    ErrorCode("audio-not-started", AudioFormatError, 400, "audio-chunk/stop without audio-start"),
    ErrorCode("audio-too-long", AudioFormatError, 413, "more audio than stt.max_audio_seconds"),
    # -- requests (HTTP, /ws, Wyoming): the client asked for something wrong ----------------------
    ErrorCode("bad-request", RequestError, 400, "a request body that does not validate"),
    ErrorCode("bad-announcement", RequestError, 400, "an announcement body that does not validate"),
    ErrorCode("bad-query", RequestError, 400, "a query parameter out of range or not an integer"),
    ErrorCode("bad-conversation-id", RequestError, 400, "a conversation id that is not 1-64 safe characters"),
    ErrorCode("bad-turn", RequestError, 400, "a turn with neither text nor audio"),
    ErrorCode("empty-text", RequestError, 400, "nothing to say, ask or announce"),
    ErrorCode("read-only-setting", RequestError, 400, "a setting the dashboard may not change"),
    ErrorCode("unauthorized", RequestError, 401, "no or a wrong API token"),
    ErrorCode("host-not-allowed", RequestError, 403, "a Host header not allowed without a token"),
    ErrorCode("origin-not-allowed", RequestError, 403, "a browser origin not allowed"),
    ErrorCode("unknown-conversation", RequestError, 404, "no stored conversation with that id"),
    ErrorCode("no-satellites", RequestError, 404, "this server manages no satellites"),
    ErrorCode("unsupported-media-type", RequestError, 415, "a body that is not application/json"),
    ErrorCode("invalid-config", RequestError, 422, "settings from the dashboard that do not validate or cannot start"),
    ErrorCode("internal-error", InternalError, 500, "a bug; the server log has the traceback"),
    # -- configuration and models (at start-up, or a dashboard change) ----------------------------
    ErrorCode("bad-config", ConfigError, 422, "a setting has a bad value"),
    ErrorCode("no-last-good", ConfigError, 422, "no earlier configuration has started here"),
    ErrorCode("bad-settings", SettingsError, 422, "the satellite's settings (file, environment, command line) do not validate"),
    ErrorCode("port-unavailable", ConfigError, 422, "a port cannot be listened on"),
    ErrorCode("bad-database", ConfigError, 422, "the history database cannot be opened"),
    ErrorCode("bad-remote-url", ConfigError, 422, "a remote Wyoming URL that is not tcp://HOST:PORT"),
    ErrorCode("model-missing", ConfigError, 422, "a bundled model's parts are not installed"),
    ErrorCode("model-corrupt", ConfigError, 422, "an assembled model fails its size or SHA-256"),
    ErrorCode("model-not-found", ConfigError, 422, "a language model file or name that does not exist"),
    ErrorCode("model-not-loadable", ConfigError, 422, "llama.cpp cannot load the language model"),
    ErrorCode("llm-backend-missing", ConfigError, 422, "the chosen LLM backend's package is not installed"),
    ErrorCode("stt-model-missing", ConfigError, 422, "the Whisper model cannot be found"),
    ErrorCode("stt-remote-no-asr", ConfigError, 422, "the remote STT service offers no speech-to-text"),
    ErrorCode("stt-remote-unreachable", ConfigError, 422, "the remote STT is down at start-up and has no fallback"),
    ErrorCode("tts-remote-unreachable", ConfigError, 422, "the remote TTS is down at start-up and has no fallback"),
    ErrorCode("tts-remote-no-voice", ConfigError, 422, "the remote TTS service offers no voice"),
    ErrorCode("tts-voice-missing", ConfigError, 422, "a configured voice is not installed"),
    ErrorCode("tts-edge-missing", ConfigError, 422, "the edge extra is not installed"),
    ErrorCode("tts-kokoro-missing", ConfigError, 422, "the kokoro extra or its files are not installed"),
    ErrorCode("coqui-not-installed", ConfigError, 422, "the coqui extra is not installed"),
    ErrorCode("turn-model-missing", ConfigError, 422, "the end-of-turn model file cannot be found"),
    ErrorCode("no-agent", ConfigError, 503, "this server runs no conversation agent"),
    # -- the stages -------------------------------------------------------------------------------
    ErrorCode("stt-failed", SttError, 500, "speech-to-text failed"),
    ErrorCode("stt-unavailable", SttError, 500, "no speech-to-text engine on this server, or none answers"),
    ErrorCode("tts-failed", TtsError, 500, "text-to-speech failed"),
    ErrorCode("tts-edge-failed", TtsError, 500, "Microsoft's online speech service failed"),
    ErrorCode("tts-unavailable", TtsError, 503, "no text-to-speech engine on this server"),
    ErrorCode("text-too-long", TtsError, 413, "a text over tts.max_text_chars"),
    ErrorCode("voice-not-installed", TtsError, 500, "a voice asked for by name is not installed"),
    ErrorCode("speaker-not-installed", TtsError, 500, "a speaker asked for that the voice does not have"),
    ErrorCode("llm-failed", LlmError, 500, "the language model failed or refused"),
    ErrorCode("llm-bad-answer", LlmError, 500, "the language model server answered something unusable"),
    ErrorCode("llm-model-missing", LlmError, 500, "the language model server does not have the model"),
    ErrorCode("llm-no-schema", LlmError, 500, "constrained (schema) answers need a chat-style model"),
    ErrorCode("llm-unavailable", LlmUnavailable, 503, "no language model backend can be reached"),
    ErrorCode("llm-busy", LlmUnavailable, 503, "the embedded model stayed busy with other turns too long"),
    ErrorCode("llm-timeout", LlmUnavailable, 503, "no first token (or next token) in time"),
    ErrorCode("timer-limit", TimerLimitError, 500, "a timer outside the limits"),
    ErrorCode("timer-too-long", TimerLimitError, 500, "a timer longer than allowed"),
    ErrorCode("too-many-timers", TimerLimitError, 500, "more timers than allowed"),
    ErrorCode("remote-unavailable", RemoteUnavailable, 500, "a remote Wyoming STT/TTS cannot be reached"),
    ErrorCode("remote-failed", RemoteFailed, 500, "a remote Wyoming STT/TTS answered with an error"),
    ErrorCode("remote-error", RemoteFailed, 500, "a remote answered with an error that has no code"),
    # -- the home and the tools ---------------------------------------------------------------------
    ErrorCode("home-failed", HomeError, 500, "Home Assistant answered something Aria cannot use"),
    ErrorCode("home-pipeline-error", HomeError, 500, "Home Assistant's pipeline run reported an error"),
    ErrorCode("home-unreachable", HomeUnreachable, 500, "Home Assistant cannot be reached in time"),
    ErrorCode("home-unauthorized", HomeUnauthorized, 500, "Home Assistant refused the access token"),
    ErrorCode("tool-failed", ToolError, 500, "a tool call failed"),
    ErrorCode("tool-bad-arguments", ToolError, 500, "the model called a tool with bad arguments"),
    ErrorCode("tool-not-allowed", ToolError, 500, "call_service for a domain not allowed"),
    ErrorCode("tool-timeout", ToolError, 500, "a tool call took too long"),
    ErrorCode("tool-unavailable", ToolError, 500, "the tool's provider cannot be reached"),
    ErrorCode("tool-unknown", ToolError, 500, "the model called a tool that does not exist"),
    ErrorCode("tool-refused", ToolError, 500, "a call Aria vetoed (it would open the house) or the requester may not make"),
    # -- satellites ---------------------------------------------------------------------------------
    ErrorCode("satellite-failed", SatelliteError, 500, "a satellite could not do what was asked"),
    ErrorCode("unknown-satellite", SatelliteError, 404, "no satellite has that name"),
    ErrorCode("not-configurable", SatelliteError, 409, "the satellite takes no settings from the server"),
    ErrorCode("bad-satellite-config", SatelliteError, 422, "the satellite refused the settings"),
    ErrorCode("satellite-timeout", SatelliteError, 504, "the satellite did not confirm in time"),
    ErrorCode("stand-down", SatelliteError, 409, "another room heard the wake word better (sent, not raised)"),
    ErrorCode("satellite-gone", SatelliteGone, 409, "the satellite is known but not connected now"),
    ErrorCode("not-a-satellite", SatelliteGone, 409, "the peer at that address is no satellite"),
    # -- the base (never raised bare; what a class without a code of its own falls back to) --------
    ErrorCode("aria-error", AriaError, 500, "the base class's default code"),
)


def http_status(err: AriaError) -> int:
    """The HTTP status of ``err``: its code's, else (a code made at run time) its class's default code's."""
    entry = CATALOGUE.get(err.code) or CATALOGUE.get(type(err).default_code)
    return entry.http_status if entry is not None else 500


def error_for(code: str, message: str) -> AriaError:
    """The typed error a code stands for (a pipeline ``error`` event back into an exception)."""
    entry = CATALOGUE.get(code)
    error = entry.error if entry is not None else InternalError
    if issubclass(error, IdleTimeout):
        return IdleTimeout(message, mid_frame=code == "frame-timeout")
    return error(message, code)
