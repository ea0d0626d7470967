"""The toolbox: every reachable provider's tools, each call routed and bounded; failures are results."""

from __future__ import annotations

import json

from aria_server.tools.base import ToolCall
from aria_server.tools.home_mcp import interpret
from aria_server.tools.toolbox import Toolbox
from tests.tools.home import LightsHome, UnreachableHome


async def test_an_unreachable_provider_adds_no_tools_and_the_rest_still_work() -> None:
    home = LightsHome()
    toolbox = Toolbox([UnreachableHome(), home])
    assert [tool.name for tool in await toolbox.tools()] == ["HassTurnOn", "HassTurnOff"]
    result = await toolbox.call(ToolCall("1", "HassTurnOn", {"name": "Kitchen Light"}))
    assert result.ok and result.confirms_action and result.speech == "Turned on Kitchen Light."
    assert home.on("Kitchen Light") and not home.on("Bedroom Light")


async def test_an_unknown_tool_and_a_failed_call_are_failed_results_that_confirm_nothing() -> None:
    toolbox = Toolbox([LightsHome(fail_with="Home Assistant is restarting")])
    await toolbox.tools()
    unknown = await toolbox.call(ToolCall("1", "OpenThePodBayDoors", {}))
    assert not unknown.ok and unknown.error_code == "tool-unknown" and not unknown.confirms_action
    failed = await toolbox.call(ToolCall("2", "HassTurnOn", {"name": "Kitchen Light"}))
    assert not failed.ok and failed.error_code == "tool-failed" and not failed.confirms_action
    assert "restarting" in failed.text


async def test_a_slow_call_times_out() -> None:
    toolbox = Toolbox([LightsHome(delay_s=5.0)], call_timeout_s=0.2)
    await toolbox.tools()
    result = await toolbox.call(ToolCall("1", "HassTurnOn", {"name": "Kitchen Light"}))
    assert not result.ok and result.error_code == "tool-timeout"


def test_only_an_action_done_with_successes_confirms_an_action() -> None:
    call = ToolCall("1", "HassTurnOff", {"area": "kitchen"})

    def result(body: object) -> tuple[bool, bool, str | None]:
        got = interpret(call, json.dumps(body))
        return got.ok, got.confirms_action, got.speech

    done = {"response_type": "action_done", "data": {"success": [{"name": "Kitchen Light"}], "failed": [{"name": "Fan"}]}}
    assert result(done) == (True, True, "Turned off Kitchen Light. Fan did not respond.")
    assert result({"response_type": "action_done", "data": {"success": [], "failed": [{"name": "Fan"}]}})[:2] == (False, False)
    assert result({"response_type": "query_answer", "data": {"success": [{"name": "Kitchen Light"}]}}) == (True, False, None)
    assert result({"response_type": "error", "data": {"code": "no_valid_targets"}})[:2] == (False, False)
    assert result({"success": True, "result": "Kitchen Light is off"}) == (True, False, None)  # GetLiveContext
