"""What Aria makes of Home Assistant's conversation answers (the JSON shapes of Home Assistant
2025.4's ``/api/conversation/process``; the live exchange is tested in tests/homeassistant)."""

from __future__ import annotations

import pytest

from aria_server.conversation.responders.home import _and as _names
from aria_server.errors import HomeError
from aria_server.home.client import parse_reply


def body(response_type: str, speech: str, data: dict[str, object]) -> dict[str, object]:
    return {
        "response": {
            "speech": {"plain": {"speech": speech, "extra_data": None}}, "card": {}, "language": "en",
            "response_type": response_type, "data": data,
        },
        "conversation_id": "01J", "continue_conversation": False,
    }


def test_an_action_done_or_a_query_answer_is_understood() -> None:
    done = parse_reply(body("action_done", "Turned on the lights", {"targets": [], "success": [], "failed": []}))
    assert done.understood and done.speech == "Turned on the lights" and done.failed == ()
    assert parse_reply(body("query_answer", "No, off", {"targets": [], "success": [], "failed": []})).understood


@pytest.mark.parametrize("code", ["no_intent_match", "no_valid_targets"])
def test_a_request_home_assistant_did_not_understand_goes_on_to_the_model(code: str) -> None:
    reply = parse_reply(body("error", "Sorry, I couldn't understand that", {"code": code}))
    assert not reply.understood and reply.error_code == code


def test_a_request_home_assistant_understood_but_failed_is_answered_by_it() -> None:
    reply = parse_reply(body("error", "Sorry, I had a problem talking to Home Assistant", {"code": "failed_to_handle"}))
    assert reply.understood, "Home Assistant says why it could not; the model could not do better"


def test_targets_that_failed_while_others_succeeded_are_named() -> None:
    failed = [{"name": "Porch light", "type": "entity", "id": "light.porch"}, {"type": "entity", "id": "light.gate"}]
    reply = parse_reply(body("action_done", "Turned on the lights", {"success": [{"name": "Kitchen"}], "failed": failed}))
    assert reply.failed == ("Porch light", "light.gate")
    assert _names(reply.failed) == "Porch light and light.gate" and _names(("A", "B", "C")) == "A, B and C"


@pytest.mark.parametrize("bad", [{}, {"response": None}, {"response": {"speech": {}}}, []])
def test_a_malformed_answer_is_a_typed_error(bad: object) -> None:
    with pytest.raises(HomeError) as caught:
        parse_reply(bad)
    assert caught.value.code == "home-failed"
