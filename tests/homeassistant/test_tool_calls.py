"""The language model completes what Home Assistant's intent engine could not parse, with one of
Home Assistant's own tools over MCP (issue 11 §3.2), against the tier's real Home Assistant.

Aria runs here on the bundled default model (Qwen2.5-Coder-0.5B-Instruct: the tiny test model
writes no tool calls), at temperature 0, with ``--ha-mcp auto`` (the default): Home Assistant
2025.4 serves MCP over SSE only (``/mcp_server/sse``), 2026.2 over streamable HTTP at ``/api/mcp``
too, which Aria tries first. The light's state is read back over Home Assistant's REST API,
never taken from the answer; the answer must be the tool result's own words.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncUnixClient
from wyoming.handle import Handled, HandledChunk, NotHandled

from aria_server.conversation.truth import claims_action
from aria_server.home.token import TokenSource
from aria_server.tools.base import ToolCall
from aria_server.tools.call_service import CallServiceTool

from .conftest import ROOT, Aria, _environ
from .harness import HA_PORT, HomeAssistant, release_tuple, start_bridge, unix_session
from .namespace import Namespace
from .processes import LoggedProcess
from .test_home_control import KITCHEN, LIVING_ROOM, set_light, state, until_state

ANSWER_BOUND_S = 400
"""A liveness bound (never a speed check): the first tool turn evaluates Home Assistant's whole
tool list and prompt on CI's two shared cores."""
FUZZY_MATCHER = ((2025, 9), (2026, 5))
"""Home Assistant's own agent had a fuzzy matcher from 2025.9 until 2026.5, which removed it for
"confusion and incorrect matching"."""
TOOL_ARIA_WYOMING_PORT = 10301
TOOL_ARIA_HTTP_PORT = 8781
"""Inside the namespace, beside the tier's other Aria."""


@pytest.fixture(scope="module")
async def tool_aria(namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_mcp: dict[str, Any]) -> AsyncIterator[Aria]:
    data_dir = ha_workdir / "tool-aria-data"
    token_file = ha_workdir / "tool-ha-token"
    token_file.write_text(home_assistant.token)
    token_file.chmod(0o600)
    process = await LoggedProcess.start(
        "tool-aria-server",
        [
            *namespace.prefix(), sys.executable, "-m", "aria_server", "--data-dir", str(data_dir),
            "--host", "127.0.0.1", "--wyoming-port", str(TOOL_ARIA_WYOMING_PORT), "--http-port", str(TOOL_ARIA_HTTP_PORT),
            "--no-zeroconf", "--llm-backend", "embedded", "--llm-temperature", "0", "--llm-threads", "2",
            # The tool calls were tuned on the 0.5B (low-memory) model; the 1.5B default costs CI minutes.
            "--llm-model", "qwen2.5-coder-0.5b-instruct",
            # CI shares two cores: a liveness bound, not a speed check.
            "--llm-first-token-timeout-s", "120",
            "--ha-url", f"http://127.0.0.1:{HA_PORT}", "--ha-token-file", str(token_file), "--ha-mcp", "auto",
            # The tests ask as a trusted client: only then may the model try a command with the tools.
            "--ha-trusted-clients", "127.0.0.1",
            # The tools, not the constrained mapping (tests/home/test_mapping.py), are what is tested here.
            "--no-llm-home-mapping",
        ],
        cwd=str(ROOT), env=_environ(),
    )
    bridges: list[LoggedProcess] = []
    try:
        await process.wait_for_line(r"HTTP API on http://", 300)
        await process.wait_for_line(r"Wyoming server listening on tcp://", 300)
        bridges.append(await start_bridge(namespace, ha_workdir / "tool-aria.sock", TOOL_ARIA_HTTP_PORT, "tool aria bridge"))
        bridges.append(await start_bridge(
            namespace, ha_workdir / "tool-aria-wyoming.sock", TOOL_ARIA_WYOMING_PORT, "tool aria wyoming bridge"))
    except BaseException:
        for bridge in bridges:
            await bridge.stop()
        await process.stop()
        raise
    http = unix_session(ha_workdir / "tool-aria.sock", TOOL_ARIA_HTTP_PORT)
    yield Aria(process, bridges[0], http, bridges[1], ha_workdir / "tool-aria-wyoming.sock", token_file)
    (ha_workdir / "tool-aria.log").write_text(process.log)
    await http.close()
    for bridge in bridges:
        await bridge.stop()
    await process.stop()


async def ask(aria: Aria, text: str) -> tuple[str, float]:
    """One request through Aria's Wyoming ``handle``: the whole answer, and ms to its first chunk."""
    async with AsyncUnixClient(str(aria.wyoming_socket)) as client:
        sent = time.perf_counter()
        await client.write_event(Transcript(text=text, language="en").event())
        first: float | None = None
        async with asyncio.timeout(ANSWER_BOUND_S):
            while True:
                event = await client.read_event()
                assert event is not None, "Aria closed the connection"
                if HandledChunk.is_type(event.type) and first is None:
                    first = time.perf_counter()
                if Handled.is_type(event.type):
                    return Handled.from_event(event).text or "", ((first or time.perf_counter()) - sent) * 1000
                assert not NotHandled.is_type(event.type), NotHandled.from_event(event).text


async def test_a_request_the_intent_engine_cannot_parse_is_done_by_a_tool_call(
    tool_aria: Aria, home_assistant: HomeAssistant, timings: dict[str, list[float]]
) -> None:
    request = "Please make the kitchen light glow."
    await set_light(home_assistant, KITCHEN, False)
    await set_light(home_assistant, LIVING_ROOM, False)
    understood = await home_assistant.post("/api/conversation/process", {"text": request, "language": "en"})
    if understood["response"]["response_type"] != "error" and FUZZY_MATCHER[0] <= release_tuple(home_assistant.release) < FUZZY_MATCHER[1]:
        # Home Assistant's own agent, with its fuzzy matcher, has taken this for "turn off the
        # kitchen light" (and done it) in some runs of 2026.2.3 and not in others: the fast path
        # answers it with Home Assistant's words, and no tool is called.
        pytest.skip(f"Home Assistant {home_assistant.release}'s fuzzy matcher took {request!r}: {understood['response']['speech']}")
    assert understood["response"]["response_type"] == "error", f"Home Assistant parsed it: the fast path would answer: {understood}"
    answer, first_ms = await ask(tool_aria, request)
    timings.setdefault("tool-call turn handle -> first chunk", []).append(first_ms)
    assert answer == "Turned on Kitchen light.", (answer, tool_aria.process.log[-3000:])
    assert await state(home_assistant, KITCHEN) == "on"
    assert await state(home_assistant, LIVING_ROOM) == "off"


SMALL_MODEL_CALL = """
import asyncio, json, sys
from pathlib import Path
from aria_server.home.token import TokenSource
from aria_server.tools.base import ToolCall
from aria_server.tools.home_mcp import HomeAssistantMcp

async def main(url, token_file, arguments):
    provider = HomeAssistantMcp(url, TokenSource(file=Path(token_file)), timeout_s=30.0)
    try:
        await provider.list_tools()
        result = await provider.call(ToolCall("1", "HassTurnOn", json.loads(arguments)))
        print(json.dumps({"ok": result.ok, "confirms": result.confirms_action, "speech": result.speech, "text": result.text}))
    finally:
        await provider.aclose()

asyncio.run(main(*sys.argv[1:]))
"""
"""Aria's MCP client inside the namespace (where Home Assistant's port is), one call, its result as JSON."""


async def test_a_small_models_call_with_a_wrong_floor_and_a_bare_domain_still_acts_on_the_named_device(
    namespace: Namespace, home_assistant: HomeAssistant, ha_mcp: dict[str, Any], tool_aria: Aria
) -> None:
    """What the bundled model writes for "make the kitchen light glow" (seen on both releases): a
    floor that is an area, one domain as a string and, from 2026.2's tool schema, device classes
    (some it lists, some not). 2026.2's MCP server refuses the bare string before Home Assistant sees the
    call, and both releases refuse the wrong floor: Aria fits the call to the schema and, for a
    named device, tries again by the name alone. (Without the model: its choice of words varies,
    Home Assistant's answer does not.)"""
    arguments = {"name": "Kitchen light", "area": "Kitchen", "floor": "Living Room", "domain": "light"}
    if home_assistant.at_least("2026.2"):
        # Both seen: "light" (not a class its schema lists) and a run of the classes it does list.
        arguments["device_class"] = ["light", "tv", "speaker", "switch", "outlet"]
    await set_light(home_assistant, KITCHEN, False)
    process = await asyncio.create_subprocess_exec(
        *namespace.prefix(), sys.executable, "-c", SMALL_MODEL_CALL, f"http://127.0.0.1:{HA_PORT}",
        str(tool_aria.ha_token_file), json.dumps(arguments),
        cwd=str(ROOT), env=_environ(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(120):
        output = (await process.communicate())[0].decode()
    result = json.loads(output.strip().splitlines()[-1])
    assert result["ok"] and result["confirms"] and result["speech"] == "Turned on Kitchen light.", output[-3000:]
    assert await state(home_assistant, KITCHEN) == "on"


async def test_the_tools_are_read_over_the_transport_the_release_serves(tool_aria: Aria, home_assistant: HomeAssistant) -> None:
    """``--ha-mcp auto``: streamable HTTP (``/api/mcp``) where Home Assistant serves it (checked on
    2026.2.3, the tier's newer release), else SSE (2025.4.4)."""
    transport = "http" if home_assistant.at_least("2026.2") else "sse"
    await tool_aria.process.wait_for_line(rf"Home Assistant's MCP server \({transport}\): \d+ tools", ANSWER_BOUND_S)


async def test_a_call_home_assistant_refuses_is_said_honestly(tool_aria: Aria, home_assistant: HomeAssistant) -> None:
    await set_light(home_assistant, KITCHEN, False)
    answer, _ = await ask(tool_aria, "Please make the garage heater glow.")
    assert await state(home_assistant, KITCHEN) == "off"
    assert not claims_action(answer), answer


async def test_call_service_acts_only_in_allowed_domains_and_says_what_changed(
    home_assistant: HomeAssistant, ha_workdir: Path
) -> None:
    hatch = CallServiceTool(
        f"http://127.0.0.1:{HA_PORT}", TokenSource(None, home_assistant.token), ["light"],
        connector=aiohttp.UnixConnector(path=str(ha_workdir / "ha.sock")),
    )
    try:
        await set_light(home_assistant, KITCHEN, False)
        refused = await hatch.call(ToolCall("1", "call_service", {
            "domain": "input_boolean", "service": "turn_on", "data": {"entity_id": "input_boolean.kitchen_light_power"}}))
        assert not refused.ok and refused.error_code == "tool-not-allowed" and not refused.confirms_action
        assert await state(home_assistant, KITCHEN) == "off"
        done = await hatch.call(ToolCall("2", "call_service", {
            "domain": "light", "service": "turn_on", "data": {"entity_id": KITCHEN}}))
        assert done.ok and done.confirms_action, done
        await until_state(home_assistant, KITCHEN, "on")
        # The states that changed during the call, in Home Assistant's words (the boolean behind the
        # template light, and the light when it followed in time).
        assert done.speech is not None and done.speech.startswith("Done: ") and "is now on" in done.speech
    finally:
        await hatch.aclose()
