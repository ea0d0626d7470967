"""Home Assistant's own tools, through its MCP server and the official ``mcp`` client.

Home Assistant 2025.4's ``mcp_server`` integration serves MCP over SSE at ``/mcp_server/sse``;
newer releases serve streamable HTTP at ``/api/mcp``. Both take the long-lived token as a bearer.
``transport="auto"`` tries streamable HTTP first (a 404 comes back at once from an older release)
and then SSE, and keeps to whichever answered.

One connection is kept open: the ``mcp`` transports are anyio context managers that must be
entered and left in one task, so a task of its own holds them (``_hold``) while turns call the
session. The tool list is read once per connection and cached; a failed call or a dropped
connection closes it, and the next turn connects again and reads the list afresh. Every step is
bounded by ``timeout_s``; when Home Assistant is down the provider raises ToolError from
``list_tools`` and the turn goes on without its tools.

Results: Home Assistant answers a tool with the intent response as JSON (``response_type``,
``data.success`` / ``data.failed`` with the targets' names). ``action_done`` with successes is
the one result that confirms an action, and its spoken sentence is made from those names
(Home Assistant's MCP leaves ``speech`` empty). An error result (no such device, a bad
argument) is a failed result with Home Assistant's own message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, Literal

import httpx
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from ..errors import HomeError
from ..home.token import TokenSource
from .base import Tool, ToolCall, ToolError, ToolResult

_LOGGER = logging.getLogger(__name__)

Transport = Literal["http", "sse"]
TransportSetting = Literal["auto", "http", "sse"]
PATHS: dict[Transport, str] = {"http": "/api/mcp", "sse": "/mcp_server/sse"}
RETRY_S = 30.0
"""After a failed connection, turns skip Home Assistant's tools this long (no timeout each turn)."""

_VERBS = {
    "HassTurnOn": "Turned on", "HassTurnOff": "Turned off", "HassLightSet": "Set",
    "HassSetPosition": "Set the position of", "HassMediaPause": "Paused", "HassMediaUnpause": "Resumed",
    "HassMediaNext": "Skipped to the next item on", "HassSetVolume": "Set the volume of",
}
"""How a confirmed result of Home Assistant's intent tools is said (others: "Done: <names>.")."""


class HomeAssistantMcp:
    """``ToolProvider`` of Home Assistant's MCP server."""

    name = "home-assistant"

    def __init__(self, url: str, token: TokenSource, *, transport: TransportSetting = "auto", timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.transport_setting = transport
        self.timeout_s = timeout_s
        self.transport: Transport | None = None
        """The transport that answered last (None before the first connection)."""
        self._session: ClientSession | None = None
        self._tools: list[Tool] | None = None
        self._instructions = ""
        self._holder: asyncio.Task[None] | None = None
        self._release: asyncio.Event | None = None
        self._connecting = asyncio.Lock()
        self.connections = 0
        """Connections made so far (a reconnect after a failure counts)."""
        self._failed_at: float | None = None
        """Monotonic time of the last failed connection (None after a good one)."""

    async def list_tools(self) -> Sequence[Tool]:
        """The cached list, read on connecting (ToolError ``tool-unavailable`` when Home Assistant is not reachable)."""
        await self._connected()
        assert self._tools is not None
        return self._tools

    async def instructions(self) -> str:
        """Home Assistant's own prompt for its tools (its exposed devices and areas), read on connecting."""
        await self._connected()
        return self._instructions

    async def call(self, call: ToolCall) -> ToolResult:
        """``call`` on Home Assistant; a connection failure drops the connection (and the cached list)."""
        session = await self._connected()
        call = _as_listed(_spoken_names(call), next((t for t in self._tools or () if t.name == call.name), None))
        try:
            result = await session.call_tool(
                call.name, call.arguments, read_timeout_seconds=timedelta(seconds=self.timeout_s)
            )
        except Exception as err:  # noqa: BLE001 (the mcp client raises McpError, anyio's and httpx's errors alike)
            _LOGGER.warning("Home Assistant's MCP call %s failed: %r; reconnecting next time", call.name, err)
            await self._drop()
            return ToolResult.failed(call, ToolError(f"Home Assistant did not answer {call.name}: {err}", code="tool-unavailable"))
        text = "\n".join(getattr(part, "text", "") for part in result.content).strip()
        if result.isError:
            retry = _without_wrong_place(call, text)
            if retry is not None:
                _LOGGER.info("Home Assistant: no such area, floor or device class in %s; again by the device's name alone",
                             call.arguments)
                return await self.call(retry)
            return ToolResult.failed(call, ToolError(_error_text(text, call) or "Home Assistant refused the call", code="tool-failed"))
        return interpret(call, text)

    async def _connected(self) -> ClientSession:
        async with self._connecting:
            if self._session is not None and self._holder is not None and not self._holder.done():
                return self._session
            await self._drop()
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_S:
                # Home Assistant just failed to connect: this turn goes on without its tools at once
                # instead of waiting out another connection timeout.
                raise ToolError(f"Home Assistant's MCP server failed {RETRY_S:g} s ago or less", code="tool-unavailable")
            try:
                session = await self._connect()
            except ToolError:
                self._failed_at = time.monotonic()
                raise
            self._failed_at = None
            return session

    async def _connect(self) -> ClientSession:
        """Start the connection's own task and wait (bounded) for its session."""
        ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self._release = asyncio.Event()
        self._holder = asyncio.create_task(self._hold(ready, self._release), name="home-assistant mcp")
        try:
            async with asyncio.timeout(self.timeout_s):
                session = await asyncio.shield(ready)
        except TimeoutError:
            await self._drop()
            raise ToolError(f"Home Assistant's MCP server at {self.url} did not answer within {self.timeout_s:g} s",
                            code="tool-unavailable") from None
        except ToolError:
            await self._drop()
            raise
        self._session = session
        self.connections += 1
        return session

    async def _hold(self, ready: asyncio.Future[ClientSession], release: asyncio.Event) -> None:
        """Open a transport and a session, list the tools, then keep both open until ``release``."""
        failures: list[str] = []
        for transport in self._transports():
            try:
                async with self._open(transport) as (read, write), ClientSession(
                    read, write, read_timeout_seconds=timedelta(seconds=self.timeout_s)
                ) as session:
                    await session.initialize()
                    listed = await session.list_tools()
                    self._tools = [
                        Tool(tool.name, tool.description or "", dict(tool.inputSchema or {"type": "object", "properties": {}}))
                        for tool in listed.tools
                    ]
                    self._instructions = await _prompt(session)
                    self.transport = transport
                    _LOGGER.info("Home Assistant's MCP server (%s): %d tools (%s)", transport, len(self._tools),
                                 ", ".join(tool.name for tool in self._tools))
                    if not ready.done():
                        ready.set_result(session)
                    await release.wait()
                    return
            except asyncio.CancelledError:
                raise
            except BaseException as err:  # noqa: BLE001 (anyio wraps the transport's failure in an ExceptionGroup)
                if ready.done():
                    _LOGGER.warning("Home Assistant's MCP connection (%s) ended: %s", transport, _describe(err))
                    return
                failures.append(f"{PATHS[transport]}: {_describe(err)}")
        if not ready.done():
            ready.set_exception(ToolError(f"Home Assistant's MCP server at {self.url} is not reachable ({'; '.join(failures)})",
                                          code="tool-unavailable"))

    def _transports(self) -> list[Transport]:
        if self.transport_setting != "auto":
            return [self.transport_setting]
        if self.transport is not None:
            return [self.transport, "sse" if self.transport == "http" else "http"]
        return ["http", "sse"]

    @contextlib.asynccontextmanager
    async def _open(self, transport: Transport) -> AsyncIterator[tuple[Any, Any]]:
        try:
            token = await self.token.current()
        except HomeError as err:
            raise ToolError("no Home Assistant token", code="tool-unavailable") from err
        headers = {"Authorization": f"Bearer {token}"}
        url = self.url + PATHS[transport]
        if transport == "sse":
            async with sse_client(url, headers=headers, timeout=self.timeout_s, sse_read_timeout=24 * 3600.0) as (read, write):
                yield read, write
            return
        timeout = httpx.Timeout(self.timeout_s, read=24 * 3600.0)
        async with httpx.AsyncClient(headers=headers, timeout=timeout) as client, streamable_http_client(
            url, http_client=client
        ) as (read, write, _):
            yield read, write

    async def _drop(self) -> None:
        """Close the connection (the next use connects again and lists the tools afresh)."""
        holder, release = self._holder, self._release
        self._session, self._tools, self._holder, self._release = None, None, None, None
        if holder is None:
            return
        if release is not None:
            release.set()
        try:
            async with asyncio.timeout(self.timeout_s):
                await asyncio.gather(holder, return_exceptions=True)
        except TimeoutError:
            holder.cancel()
            await asyncio.gather(holder, return_exceptions=True)

    async def aclose(self) -> None:
        await self._drop()


async def _prompt(session: ClientSession) -> str:
    """The text of the server's first prompt ("" when it has none): Home Assistant's Assist API
    prompt says how to use its tools and lists the exposed entities with their areas."""
    capabilities = session.get_server_capabilities()
    if capabilities is None or capabilities.prompts is None:
        return ""
    prompts = (await session.list_prompts()).prompts
    if not prompts:
        return ""
    got = await session.get_prompt(prompts[0].name)
    return "\n".join(getattr(message.content, "text", "") for message in got.messages).strip()


def interpret(call: ToolCall, text: str) -> ToolResult:
    """A successful MCP answer of Home Assistant as a result (``action_done`` with successes confirms)."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        return ToolResult(call, ok=True, text=text)
    if not isinstance(data, dict) or "response_type" not in data:
        return ToolResult(call, ok=True, text=text)  # GetLiveContext and other non-intent tools
    details = data.get("data") if isinstance(data.get("data"), dict) else {}
    succeeded = _names(details.get("success"))
    failed = _names(details.get("failed"))
    speech = ((data.get("speech") or {}).get("plain") or {}).get("speech") or ""
    if data["response_type"] == "action_done" and succeeded:
        said = speech.strip() or f"{_VERBS.get(call.name, 'Done:')} {_join(succeeded)}."
        if failed:
            said += f" {_join(failed)} did not respond."
        return ToolResult(call, ok=True, text=text, confirms_action=True, speech=said)
    if data["response_type"] == "error":
        return ToolResult.failed(call, ToolError(speech or str(details.get("code") or "Home Assistant could not do it"),
                                                 code="tool-failed"))
    if failed and not succeeded and data["response_type"] == "action_done":
        return ToolResult.failed(call, ToolError(f"{_join(failed)} did not respond", code="tool-failed"))
    return ToolResult(call, ok=True, text=text)


def _names(targets: Any) -> list[str]:
    if not isinstance(targets, list):
        return []
    return [str(t.get("name") or t.get("id")) for t in targets if isinstance(t, dict) and (t.get("name") or t.get("id"))]


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


_MATCH_REASON = re.compile(r"MatchFailedReason\.(\w+)")
_MATCH_NAME = re.compile(r"no_match_name='([^']*)'")
_REASONS = {
    "NAME": "there is no device called {name}", "AREA": "there is no area called {name}",
    "INVALID_AREA": "there is no area called {name}", "FLOOR": "there is no floor called {name}",
    "INVALID_FLOOR": "there is no floor called {name}", "ASSISTANT": "{name} is not exposed to Assist",
    "DOMAIN": "there is no such kind of device", "DEVICE_CLASS": "there is no such kind of device",
    "DUPLICATE_NAME": "more than one device is called {name}",
}


def _spoken_names(call: ToolCall) -> ToolCall:
    """``kitchen_light`` as ``kitchen light`` in the name, area and floor: a small model writes an
    entity id's spelling, and Home Assistant matches the names people say."""
    fixed = {
        key: value.replace("_", " ") if key in ("name", "area", "floor") and isinstance(value, str) and " " not in value else value
        for key, value in call.arguments.items()
    }
    return call if fixed == call.arguments else ToolCall(call.id, call.name, fixed)


_NARROWING = ("area", "floor", "device_class")
"""Arguments that only narrow a call that names a device."""


def _as_listed(call: ToolCall, tool: Tool | None) -> ToolCall:
    """The call fitted to the tool's schema where a small model strays from it: one value as a list
    where the schema wants an array (``"domain": "light"``), and a list's values that its ``enum``
    does not allow left out (``"device_class": ["light"]``; the argument goes when none is left,
    unless required). Home Assistant 2025.4 took such calls (its own schema made a list); 2026.2's
    MCP server checks the arguments against the schema first and refuses the whole call."""
    parameters = tool.parameters if tool is not None else {}
    properties = parameters.get("properties") or {}
    required = set(parameters.get("required") or ())

    def array_schema(schema: Any) -> dict[str, Any] | None:  # {"type": "array"}, or one of its "anyOf" choices
        if not isinstance(schema, dict):
            return None
        if schema.get("type") == "array":
            return schema
        return next((found for choice in schema.get("anyOf") or () if (found := array_schema(choice)) is not None), None)

    fixed: dict[str, Any] = {}
    for key, value in call.arguments.items():
        schema = array_schema(properties.get(key))
        if schema is not None:
            value = value if isinstance(value, list) else [value]
            allowed = (schema.get("items") or {}).get("enum")
            if allowed is not None:
                value = [item for item in value if item in allowed]
                if not value and key not in required:
                    continue
        fixed[key] = value
    return call if fixed == call.arguments else ToolCall(call.id, call.name, fixed)


def _without_wrong_place(call: ToolCall, error: str) -> ToolCall | None:
    """``call`` without its area, floor and device class when Home Assistant found no such area or
    floor, or no device of that class, but the call names a device: a small model adds a place it
    saw in the device list ("floor": "Living Room" for the kitchen light) or, from Home Assistant
    2026.2's tool schema, every device class it lists, and the name alone still means exactly that
    device (Home Assistant matches names and aliases exactly). None when that does not apply."""
    reason = _MATCH_REASON.search(error)
    if reason is None or reason.group(1) not in ("INVALID_AREA", "INVALID_FLOOR", "DEVICE_CLASS"):
        return None
    if not call.arguments.get("name") or not any(key in call.arguments for key in _NARROWING):
        return None
    kept = {key: value for key, value in call.arguments.items() if key not in _NARROWING}
    return ToolCall(call.id, call.name, kept)


def _error_text(text: str, call: ToolCall) -> str:
    """Home Assistant's message in words: without the "Error calling tool:" it puts in front, and
    a failed match (whose message is a Python repr) said as what did not match (the name from the
    call when Home Assistant gives none)."""
    text = text.removeprefix("Error calling tool:").strip()
    if (reason := _MATCH_REASON.search(text)) is not None:
        found = _MATCH_NAME.search(text)
        kind = reason.group(1)
        key = "floor" if "FLOOR" in kind else "area" if "AREA" in kind else "name"
        name = (found.group(1) if found else "") or str(call.arguments.get(key) or "").replace("_", " ") or "that"
        return _REASONS.get(kind, "Home Assistant found no matching device").format(name=name)
    return text


def _describe(err: BaseException) -> str:
    """The first real failure inside anyio's exception groups (a 401, a refused connection)."""
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    if isinstance(err, httpx.HTTPStatusError):
        return f"HTTP {err.response.status_code}"
    return f"{type(err).__name__}: {err}"
