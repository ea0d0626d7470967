"""A tiny home of lights behind the ``ToolProvider`` protocol, answering as Home Assistant's MCP does.

Not a mock of anything: a real provider with its own state, used where the tests need tools
without a Home Assistant (the tier in tests/homeassistant runs the real one). Its tools carry
Home Assistant's names and schemas, and its results Home Assistant's intent-response JSON, read
by the same ``interpret`` as the real MCP results.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from aria_server.tools.base import Tool, ToolCall, ToolError, ToolResult
from aria_server.tools.home_mcp import interpret

_TARGET = {
    "type": "object",
    "properties": {
        "name": {"type": "string"}, "area": {"type": "string"},
        "domain": {"type": "array", "items": {"type": "string"}},
    },
}


@dataclass
class LightsHome:
    """Lights by name ("Kitchen Light") with their areas; ``fail_with`` makes every call fail."""

    lights: dict[str, tuple[str, bool]] = field(default_factory=lambda: {
        "Kitchen Light": ("Kitchen", False), "Bedroom Light": ("Bedroom", False),
    })
    fail_with: str | None = None
    delay_s: float = 0.0
    name: str = "lights"
    calls: list[ToolCall] = field(default_factory=list)

    async def list_tools(self) -> Sequence[Tool]:
        return [
            Tool("HassTurnOn", "Turns on/opens/presses a device or entity", _TARGET),
            Tool("HassTurnOff", "Turns off/closes a device or entity", _TARGET),
        ]

    def on(self, light: str) -> bool:
        return self.lights[light][1]

    async def call(self, call: ToolCall) -> ToolResult:
        self.calls.append(call)
        await asyncio.sleep(self.delay_s)
        if self.fail_with is not None:
            return ToolResult.failed(call, ToolError(self.fail_with))
        # As Home Assistant's provider sends them (home_mcp._spoken_names): "kitchen_light" as said.
        wanted = str(call.arguments.get("name") or "").lower().replace("_", " ")
        area = str(call.arguments.get("area") or "").lower().replace("_", " ")
        matched = [
            name for name, (room, _) in self.lights.items()
            if (wanted and (wanted in name.lower() or name.lower().startswith(wanted.split()[0])))
            or (area and area in room.lower())
        ]
        if not matched:
            return ToolResult.failed(call, ToolError(f"no device matched {call.arguments}"))
        for name in matched:
            self.lights[name] = (self.lights[name][0], call.name == "HassTurnOn")
        body = {"speech": {}, "response_type": "action_done", "data": {
            "targets": [], "failed": [],
            "success": [{"name": name, "type": "entity", "id": f"light.{name.lower().replace(' ', '_')}"} for name in matched],
        }}
        return interpret(call, json.dumps(body))

    async def instructions(self) -> str:
        return ""

    async def aclose(self) -> None:
        pass


@dataclass
class UnreachableHome:
    """A provider whose server is down: listing its tools fails."""

    name: str = "unreachable"

    async def list_tools(self) -> Sequence[Tool]:
        raise ToolError("the server is down", code="tool-unavailable")

    async def call(self, call: ToolCall) -> ToolResult:
        raise AssertionError("a tool of an unreachable provider was never offered")

    async def instructions(self) -> str:
        return ""

    async def aclose(self) -> None:
        pass
