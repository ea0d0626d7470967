"""The escape hatch: ``call_service(domain, service, data)`` over Home Assistant's REST API.

Off unless ``--ha-call-service-domains`` names domains; a call outside them is refused before
anything is sent. ``POST /api/services/<domain>/<service>`` answers with the states that changed;
a 2xx with at least one changed state confirms the action, and the sentence says which entity is
now in which state (from the answer, not from the model). A 2xx with no changed state is said as
such: Home Assistant ran the service but nothing reported a change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import aiohttp

from ..errors import HomeError
from ..home.token import TokenSource
from .base import Tool, ToolCall, ToolError, ToolResult

NAME = "call_service"
_WORD = re.compile(r"^[a-z0-9_]+$")


class CallServiceTool:
    """``ToolProvider`` with the one tool, for ``domains`` only."""

    name = "call-service"

    def __init__(
        self, url: str, token: TokenSource, domains: Sequence[str], *, timeout_s: float = 10.0,
        connector: aiohttp.BaseConnector | None = None,
    ) -> None:
        """``connector``: how to reach Home Assistant (default TCP; the test tier's is a Unix socket)."""
        self.url = url.rstrip("/")
        self.token = token
        self.domains = tuple(sorted({domain.strip() for domain in domains if domain.strip()}))
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._connector = connector

    async def list_tools(self) -> Sequence[Tool]:
        return [Tool(
            NAME,
            "Call a Home Assistant service (action) directly. Only for domains: " + ", ".join(self.domains) + ".",
            {"type": "object", "properties": {
                "domain": {"type": "string", "enum": list(self.domains)},
                "service": {"type": "string", "description": "e.g. turn_on, turn_off, toggle"},
                "data": {"type": "object", "description": "service data, e.g. {\"entity_id\": \"light.kitchen\"}"},
            }, "required": ["domain", "service"]},
        )]

    async def call(self, call: ToolCall) -> ToolResult:
        domain, service = str(call.arguments.get("domain", "")), str(call.arguments.get("service", ""))
        data = call.arguments.get("data") or {}
        if domain not in self.domains:
            return ToolResult.failed(call, ToolError(
                f"the {domain or 'empty'} domain is not allowed (allowed: {', '.join(self.domains)})", code="tool-not-allowed"))
        if not _WORD.match(service) or not isinstance(data, dict):
            return ToolResult.failed(call, ToolError("service must be a word and data an object", code="tool-bad-arguments"))
        try:
            changed = await self._post(f"/api/services/{domain}/{service}", data)
        except ToolError as err:
            return ToolResult.failed(call, err)
        states = [(s.get("entity_id"), s.get("state")) for s in changed if isinstance(s, dict)]
        text = f"{domain}.{service} done; changed: " + (", ".join(f"{e} is {s}" for e, s in states) or "nothing")
        if not states:
            return ToolResult(call, ok=True, text=text, speech=f"Home Assistant ran {domain}.{service}, but nothing reported a change.")
        spoken = ", ".join(f"{entity} is now {state}" for entity, state in states)
        return ToolResult(call, ok=True, text=text, confirms_action=True, speech=f"Done: {spoken}.")

    async def _post(self, path: str, payload: dict[str, Any]) -> list[Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(base_url=self.url, timeout=self.timeout, connector=self._connector)
        try:
            token = await self.token.current()
            async with self._session.post(path, json=payload, headers={"Authorization": f"Bearer {token}"}) as response:
                if response.status >= 400:
                    raise ToolError(f"Home Assistant answered {response.status}: {(await response.text())[:200]}",
                                    code="tool-failed")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise ToolError(f"Home Assistant did not answer: {type(err).__name__}", code="tool-unavailable") from None
        except ToolError:
            raise
        except HomeError as err:  # the token source's HomeUnauthorized
            raise ToolError(f"cannot call Home Assistant: {err}", code="tool-unavailable") from None
        return body if isinstance(body, list) else []

    async def instructions(self) -> str:
        return ""

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
