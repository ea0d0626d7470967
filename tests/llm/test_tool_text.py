"""The tool calls a model writes as text (Qwen's chat template) are taken out of what is spoken."""

from __future__ import annotations

from aria_server.llm.tool_text import ToolCallText, parse_call


def split(deltas: list[str]) -> tuple[str, list[tuple[str, dict[str, object]]]]:
    splitter = ToolCallText()
    spoken = "".join(splitter.feed(delta) for delta in deltas) + splitter.finish()
    return spoken, [(call.name, call.arguments) for call in splitter.calls]


def test_a_plain_answer_streams_through_unchanged() -> None:
    splitter = ToolCallText()
    assert splitter.feed("The moon is ") == "The moon is "
    assert splitter.feed("far away.") == "far away."
    assert splitter.finish() == "" and splitter.calls == []


def test_a_call_split_over_many_deltas_is_parsed_and_never_spoken() -> None:
    text = '<tool_call>\n{"name": "HassTurnOn", "arguments": {"name": "kitchen light", "domain": ["light"]}}\n</tool_call>'
    spoken, calls = split([text[i:i + 3] for i in range(0, len(text), 3)])
    assert spoken == ""
    assert calls == [("HassTurnOn", {"name": "kitchen light", "domain": ["light"]})]


def test_text_before_a_call_is_spoken_and_a_partial_tag_is_held_back() -> None:
    splitter = ToolCallText()
    assert splitter.feed("Sure. <tool") == "Sure. "
    assert splitter.feed('_call>{"name": "HassTurnOff", "arguments": {}}</tool_call>') == ""
    assert [call.name for call in splitter.calls] == ["HassTurnOff"]


def test_two_calls_and_an_unclosed_last_one() -> None:
    spoken, calls = split(['<tool_call>{"name": "A", "arguments": {}}</tool_call>\n<tool_call>{"name": "B", "arguments": {"x": 1}}'])
    assert spoken.strip() == "" and calls == [("A", {}), ("B", {"x": 1})]


def test_bare_json_is_a_call_or_dropped_but_never_spoken() -> None:
    assert split(['{"name": "HassTurnOn", ', '"arguments": {"area": "kitchen"}}']) == ("", [("HassTurnOn", {"area": "kitchen"})])
    assert split(['```json\n{"response_type": "action_done"}\n```']) == ("", [])


def test_a_broken_call_is_no_call() -> None:
    assert parse_call('{"name": "A", "arguments": "not json"}') is None
    assert parse_call("[1, 2]") is None
    assert parse_call('{"arguments": {}}') is None
    call = parse_call('{"name": "A", "arguments": "{\\"x\\": 2}"}')
    assert call is not None and call.arguments == {"x": 2}


def test_a_whole_bare_json_object_is_complete_so_the_model_can_be_stopped() -> None:
    splitter = ToolCallText()
    splitter.feed('{"response_type": "action_done", ')
    assert not splitter.complete
    splitter.feed('"data": {}}')
    assert splitter.complete
