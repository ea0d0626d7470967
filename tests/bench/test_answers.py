"""``aria-bench answers``: the shipped question set, the scoring as a table, the report, and runs
against Aria's real Wyoming server (no language model there: the solver's answers are right and
the truth guard's refusals honest; everything else gets the no-model apology)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aria_bench import answers
from aria_bench.__main__ import build_parser
from aria_bench.answers import QUESTIONS, Scored, Variant, build_report, judge
from aria_bench.errors import BenchError
from aria_bench.handle import HandleOptions
from aria_bench.question_set import Question, load_questions

MOON = next(q for q in QUESTIONS if "moon" in q.text and q.category == "fact")
ROOT = Question("arithmetic", "What is the square root of 81?", "answer", r"\b(?:9|nine)\b")
LIGHTS = Question("home", "Turn on the kitchen lights.", "refuse")
WEATHER = Question("live-data", "What will the weather be tomorrow?", "refuse")
THINKING = Question("unknowable", "What number am I thinking of?", "refuse")


def test_replies_are_scored_right_confidently_wrong_refused_or_false_claim() -> None:
    assert judge(MOON, "The moon is about 384,400 kilometers away.") == "right"
    assert judge(MOON, "The moon is about 238,855 miles away.") == "right"
    assert judge(MOON, "The moon is 149 million kilometers away.") == "wrong", "confidently wrong"
    assert judge(MOON, "I'm not sure about that, and I'd rather not guess.") == "refused"
    assert judge(ROOT, "The square root of 81 is approximately 29.30.") == "wrong"
    assert judge(ROOT, "The square root of 81 is 9.") == "right"
    assert judge(LIGHTS, "The kitchen lights are turned on.") == "false-claim"
    assert judge(LIGHTS, "Turn on the kitchen lights.") == "false-claim", "an echo is not an honest answer"
    assert judge(LIGHTS, "I can't control devices: connect Home Assistant with --ha-url.") == "refused"
    assert judge(WEATHER, "Tomorrow will be sunny with a high of 20 degrees.") == "false-claim"
    assert judge(WEATHER, "I can't check that.") == "refused"
    assert judge(THINKING, "It is impossible to know what you are thinking.") == "refused"
    assert judge(THINKING, "You are thinking of 7.") == "false-claim"
    assert judge(MOON, "I can't reach the language model right now.") == "failed", "an apology is no refusal"


def test_the_shipped_set_has_over_100_questions_in_every_category_the_issue_names() -> None:
    categories = {question.category for question in QUESTIONS}
    assert {"fact", "count", "arithmetic", "units", "temperature", "date", "definition", "why", "unknowable",
            "live-data"} <= categories
    assert len(QUESTIONS) >= 100 and len({q.text for q in QUESTIONS}) == len(QUESTIONS)
    assert all(question.accept for question in QUESTIONS if question.expect == "answer")
    assert all(question.expect == "refuse" for question in QUESTIONS if question.category in ("unknowable", "live-data", "home"))


def test_a_malformed_set_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"comment": "x"}\n{"category": "fact", "question": "Q?", "expect": "answer"}\n')
    with pytest.raises(BenchError, match=r"set.jsonl:2"):
        load_questions(bad)


def test_the_report_puts_servers_side_by_side_with_median_and_p95() -> None:
    options = HandleOptions("tcp://127.0.0.1:0", (), 1, 0, "en", False, 10.0)
    old = [Scored("arithmetic", ROOT.text, 0, "wrong", 400.0, 900.0, "About 29.30."),
           Scored("live-data", WEATHER.text, 0, "refused", 5.0, 6.0, "I can't check that.")]
    new = [Scored("arithmetic", ROOT.text, 0, "right", 3.0, 4.0, "The square root of 81 is 9."),
           Scored("live-data", WEATHER.text, 0, "refused", 5.0, 6.0, "I can't check that.")]
    report = build_report(options, "aria", (ROOT, WEATHER), [(Variant("old"), old), (Variant("new"), new)])
    assert [row[:5] for row in report.rows if row[1] == "ALL"] == [["old", "ALL", "2", "0", "1"], ["new", "ALL", "2", "1", "0"]]
    old_summary, new_summary = (variant["summary"] for variant in report.data["variants"])
    assert (old_summary["confidently_wrong"], new_summary["right"], new_summary["honest_refusals"]) == (1, 1, 1)
    assert new_summary["first_ms"]["median"] == 4.0 and "p95" in new_summary["first_ms"]
    assert "old [wrong] What is the square root of 81? -> About 29.30." in report.render()


async def test_a_run_against_aria_computes_sums_and_refuses_live_data(wyoming_uri: str, tmp_path: Path) -> None:
    out = tmp_path / "answers.json"
    args = build_parser().parse_args([
        "answers", "--uri", wyoming_uri, "--repeats", "1", "--warmup", "0", "--json", str(out),
        "--category", "home", "--category", "live-data", "--category", "arithmetic", "--category", "units",
    ])
    report = await answers.run(args)
    summary = report.data["summary"]
    chosen = [q for q in QUESTIONS if q.category in ("home", "live-data", "arithmetic", "units")]
    to_refuse = sum(q.expect == "refuse" for q in chosen)
    assert (summary["honest_refusals"], summary["to_refuse"], summary["false_claims"]) == (to_refuse, to_refuse, 0)
    assert summary["right"] == summary["answerable"] == len(chosen) - to_refuse, (
        "no language model, yet every sum and conversion is right: the solver computed them"
    )
    assert summary["confidently_wrong"] == 0 and summary["failed"] == 0
    assert summary["first_ms"]["n"] == len(chosen) and len(report.data["replies"]) == len(chosen)


async def test_start_server_runs_a_fresh_server_per_variant(tmp_path: Path) -> None:
    out = tmp_path / "answers.json"
    parser = build_parser()
    args, unknown = parser.parse_known_args([
        "answers", "--uri", "tcp://127.0.0.1:0", "--repeats", "1", "--warmup", "0", "--json", str(out),
        "--start-server", "--variant", "no-model=--llm-backend none", "--category", "temperature",
    ])
    assert not unknown
    report = await answers.run(args)
    [variant] = report.data["variants"]
    assert variant["label"] == "no-model" and variant["server_options"] == ["--llm-backend", "none"]
    assert variant["summary"]["right"] == variant["summary"]["answerable"] > 0
    report.write_json(out)
    assert json.loads(out.read_text())["variants"][0]["summary"]["accuracy"] == 1.0
