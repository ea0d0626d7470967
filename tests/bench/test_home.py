"""``aria-bench home``'s verdicts: a command is right only when the states and levels read back
are what it asked for; a refusal changes nothing and says so."""

from __future__ import annotations

from aria_bench.home import load, verdict

DIM = {
    "text": "Dim the desk lamp to thirty percent", "set": {"light.desk_lamp": "on"},
    "expect": {"light.desk_lamp": "on"}, "levels": {"light.desk_lamp": 30},
}


def test_a_level_is_right_only_when_read_back_within_a_percent() -> None:
    on = {"light.desk_lamp": "on"}
    assert verdict(DIM, "Set the Desk lamp to 30 percent.", on, on, {"light.desk_lamp": 30.2}) == "right"
    assert verdict(DIM, "Set the Desk lamp to 30 percent.", on, on, {"light.desk_lamp": 100.0}) == "false statement"
    assert verdict(DIM, "I'm not sure which device you mean. Nothing was changed.", on, on, {"light.desk_lamp": 100.0}) == "refusal"


def test_the_shipped_sentences_each_say_what_is_right() -> None:
    sentences = load(None)
    assert len(sentences) >= 60
    for sentence in sentences:
        assert {"class", "text", "set"} <= sentence.keys(), sentence
        assert {"expect", "levels", "unchanged", "answer", "names"} & sentence.keys(), sentence
