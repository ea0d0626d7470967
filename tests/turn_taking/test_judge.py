"""The pause judge as a table: what is known at a pause -> the verdict and the silence that ends the turn."""

from __future__ import annotations

import pytest

from aria_server.settings import VadSettings
from aria_server.turn_taking.judge import PauseFacts, PauseJudge, Verdict

SETTINGS = VadSettings(
    end_of_speech_ms=600, complete_request_end_ms=200, complete_turn_end_ms=250, incomplete_turn_end_ms=1200,
    end_of_turn_threshold=0.5,
)

TABLE = [
    # whole request, unfinished, P(done)          verdict                 ends after (ms)
    ((True, False, None), Verdict.WHOLE_REQUEST, 200),
    ((True, False, 0.1), Verdict.WHOLE_REQUEST, 200),  # the words decide, not the sound
    ((False, True, 0.99), Verdict.MID_SENTENCE, 1200),  # "set a timer for" that sounds finished
    ((False, True, None), Verdict.MID_SENTENCE, 1200),
    ((False, False, 0.9), Verdict.COMPLETE, 250),
    ((False, False, 0.5), Verdict.COMPLETE, 250),  # the threshold counts as done
    ((False, False, 0.49), Verdict.UNDECIDED, None),
    ((False, False, None), Verdict.UNDECIDED, None),  # no end-of-turn model: the plain silence
]


@pytest.mark.parametrize(("facts", "verdict", "end_ms"), TABLE)
def test_the_table(facts: tuple[bool, bool, float | None], verdict: Verdict, end_ms: int | None) -> None:
    judgement = PauseJudge(SETTINGS).judge(PauseFacts(*facts))
    assert (judgement.verdict, judgement.end_after_ms) == (verdict, end_ms)
    assert judgement.ends_early is (verdict is Verdict.WHOLE_REQUEST)


@pytest.mark.parametrize(
    ("setting", "facts", "verdict"),
    [
        ("complete_request_end_ms", PauseFacts(whole_request=True), Verdict.UNDECIDED),
        ("incomplete_turn_end_ms", PauseFacts(unfinished=True), Verdict.UNDECIDED),
        ("complete_turn_end_ms", PauseFacts(sounds_done=0.99), Verdict.UNDECIDED),
    ],
)
def test_a_row_set_to_zero_is_off(setting: str, facts: PauseFacts, verdict: Verdict) -> None:
    judge = PauseJudge(SETTINGS.model_copy(update={setting: 0}))
    assert judge.judge(facts).verdict is verdict


def test_a_whole_request_that_stops_mid_sentence_in_other_words_still_ends_early() -> None:
    # "Whole" is only ever said of words no intent leaves open; the first row wins.
    assert PauseJudge(SETTINGS).judge(PauseFacts(whole_request=True, unfinished=True)).verdict is Verdict.WHOLE_REQUEST


def test_a_mid_sentence_pause_never_waits_less_than_the_plain_silence() -> None:
    judge = PauseJudge(SETTINGS.model_copy(update={"incomplete_turn_end_ms": 300}))
    assert judge.judge(PauseFacts(unfinished=True)).end_after_ms == 600


@pytest.mark.parametrize(
    ("update", "shortest"),
    [({}, 200), ({"complete_request_end_ms": 0}, 250), ({"complete_request_end_ms": 0, "complete_turn_end_ms": 0}, 600)],
)
def test_the_shortest_end_is_what_the_session_waits_for_a_verdict_before(update: dict[str, int], shortest: int) -> None:
    assert PauseJudge(SETTINGS.model_copy(update=update)).shortest_end_ms() == shortest
