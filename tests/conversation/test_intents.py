"""Local intents: deterministic English answers for time, date, timers, help and small talk."""

from __future__ import annotations

from datetime import datetime

import pytest

from aria_server.conversation.intents import LANGUAGES, IntentHandler
from aria_server.conversation.intents.en import LANGUAGE as EN
from aria_server.conversation.intents.parsing import match_intent, parse_duration, speak_duration
from aria_server.conversation.timers import TimerService

NOON_ISH = datetime(2025, 3, 1, 15, 4)


def handler(*, llm: bool = True) -> IntentHandler:
    return IntentHandler(LANGUAGES, TimerService(), llm_available=llm, clock=lambda: NOON_ISH)


def say(intents: IntentHandler, text: str, language: str | None = "en") -> str | None:
    reply = intents.handle(text, language, conversation_id="c1", session="kitchen")
    return None if reply is None else reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What time is it?", "time"),
        ("Hey Aria, what's the time, please?", "time"),
        ("What's the date today?", "date"),
        ("What day is it?", "date"),
        ("Set a timer for five minutes.", "timer_set"),
        ("Start a 10-minute pasta timer", "timer_set"),
        ("Could you set a timer for an hour and a half?", "timer_set"),
        ("Cancel the timer.", "timer_cancel"),
        ("Cancel all timers", "timer_cancel_all"),
        ("How much time is left?", "timer_status"),
        ("Add two minutes to the timer", "timer_add"),
        ("What can you do?", "help"),
        ("Good morning!", "greeting"),
        ("How are you?", "how_are_you"),
        ("Thank you.", "thanks"),
        ("Never mind.", "stop"),
        ("Stop", "stop"),
    ],
)
def test_utterances_are_recognised(text: str, intent: str) -> None:
    match = match_intent(text, EN)
    assert match is not None and match.intent == intent


@pytest.mark.parametrize(
    "text", ["What time does the bakery close?", "Tell me a joke", "What is the capital of France?", "Stop the war"]
)
def test_anything_else_goes_to_the_language_model(text: str) -> None:
    assert match_intent(text, EN) is None


def test_durations_are_read_from_words_and_digits() -> None:
    assert parse_duration("twenty five seconds", EN) == 25
    assert parse_duration("1.5 hours", EN) == 5400
    assert parse_duration("half an hour", EN) == 1800
    assert parse_duration("2 hours and 10 minutes", EN) == 7800
    assert parse_duration("5", EN) is None and parse_duration("pasta", EN) is None
    assert speak_duration(5430, EN) == "1 hour, 30 minutes and 30 seconds"


def test_a_unit_said_twice_is_not_added_up() -> None:
    # Whisper once heard "Set a timer for 10 minutes 10 minutes" (its own echo) and Aria set a
    # 20-minute timer: a repeated phrase is no duration, so the timer asks instead of guessing.
    assert parse_duration("10 minutes 10 minutes", EN) is None
    assert parse_duration("1 hour and 1 hour", EN) is None
    assert parse_duration("an hour and a half", EN) == 5400  # "a half" takes the hour's unit, not a second one
    intents = handler()
    assert say(intents, "Set a timer for 10 minutes 10 minutes") == (
        "For how long? Say, for example, set a timer for five minutes."
    )
    assert intents.timers.active() == []


def test_time_and_date_come_from_the_clock() -> None:
    intents = handler()
    assert say(intents, "What time is it?") == "It's 3:04 PM."
    assert say(intents, "What's the date?") == "Today is Saturday, March 1st, 2025."
    assert say(intents, "what time is it", "en-GB") == "It's 3:04 PM."  # regional variants are served


async def test_a_timer_conversation() -> None:
    intents = handler()
    assert say(intents, "Set a timer") == "For how long? Say, for example, set a timer for five minutes."
    assert say(intents, "Set a timer for five minutes") == "Timer set for 5 minutes."
    assert say(intents, "How much time is left?") == "5 minutes left."
    assert say(intents, "Start a 10-minute pasta timer") == "The pasta timer is set for 10 minutes."
    assert say(intents, "Cancel the timer") == "You have 2 timers running. Name one, or say cancel all timers."
    assert say(intents, "Add 1 minute to the pasta timer") == "Added 1 minute. 11 minutes left."
    assert say(intents, "Cancel the pasta timer") == "The pasta timer is cancelled."
    assert say(intents, "Cancel the eggs timer") == "There is no eggs timer."
    assert say(intents, "Cancel the timer") == "Timer cancelled."
    assert say(intents, "How long is left on the timer") == "There are no timers running."
    assert intents.timers.active() == []


def test_help_tells_what_works_without_a_model() -> None:
    assert say(handler(llm=False), "What can you do?") == (
        "I can tell you the time and the date, and set, check and cancel timers."
    )
    with_llm = say(handler(llm=True), "What can you do?")
    assert with_llm is not None and "language model" in with_llm


def test_small_talk_and_stop() -> None:
    intents = handler()
    assert say(intents, "Hello") == "Hello! How can I help?"
    assert say(intents, "Thanks") == "You're welcome."
    assert say(intents, "Never mind") == "Okay."


def test_a_language_without_data_is_not_answered_locally() -> None:
    assert say(handler(), "Wie spät ist es?", "de") is None


def test_matching_tells_a_whole_request_without_answering_it() -> None:
    intents = handler()
    assert intents.matches("Set a timer for five minutes.", "en")
    assert intents.matches("What time is it", None)
    assert not intents.matches("Set a timer for", "en")  # the user is still speaking
    # Matched, but answered with "For how long?": heard at a thinking pause ("set a timer for ...
    # ten minutes") it once ended the turn and cut the user off. The sentence is still going.
    assert not intents.matches("Set a timer for it.", "en") and intents.sounds_unfinished("Set a timer for it.", "en")
    assert say(intents, "Set a timer for it.", "en") is not None  # still asked, once the turn ends
    assert not intents.matches("Turn on the lamp in the living room", "en")
    assert not intents.matches("What time is it?", "xx")
    assert intents.timers.active(session=None) == []  # matching set no timer


async def test_a_finished_timer_is_announced_in_words() -> None:
    """What a satellite that does not ring timers itself says when one ends (it once raised a
    TypeError there, which stopped the relay of every later timer event)."""
    intents = handler()
    timer = intents.timers.start(300, conversation_id="c1", session="kitchen")
    assert intents.announce_finished(timer) == "Your timer for 5 minutes is done."
    intents.timers.cancel(timer.id)
