"""The /metrics registry: label values are escaped, and the text parses back to what was counted."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from aria_server.turn_metrics import TurnMetrics


def _samples(text: bytes) -> dict[str, list[tuple[dict[str, str], float]]]:
    families = text_string_to_metric_families(text.decode())
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in families:
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def test_an_error_code_with_quotes_and_newlines_round_trips() -> None:
    metrics = TurnMetrics()
    nasty = 'bad "code"\nwith \\ backslash'
    metrics.observe({"outcome": "error", "error": nasty}, "ws")
    samples = _samples(metrics.render({}))
    assert ({"face": "ws", "code": nasty}, 1.0) in samples["aria_errors_total"]
    assert ({"face": "ws", "outcome": "error"}, 1.0) in samples["aria_turns_total"]


def test_stage_latency_lands_in_the_histogram_of_its_face() -> None:
    metrics = TurnMetrics()
    record = {"outcome": "done", "since_start_ms": {"turn_start": 0, "first_audio_out": 120.0, "turn_end": 900.0}}
    metrics.observe(record, "ws")
    samples = _samples(metrics.render({"aria_ws_connections": ("Open /ws connections.", 2)}))
    counts = {s[0]["stage"]: s[1] for s in samples["aria_stage_latency_seconds_count"]}
    assert counts == {"typed_to_first_audio": 1.0, "turn": 1.0}
    assert samples["aria_ws_connections"] == [({}, 2.0)]


def test_two_registries_never_share_counts() -> None:
    first, second = TurnMetrics(), TurnMetrics()
    first.observe({"outcome": "done"}, "satellite")
    assert "aria_turns_total" not in _samples(second.render({})) or all(
        value == 0 for _, value in _samples(second.render({}))["aria_turns_total"]
    )


def test_what_became_of_a_turns_speculation_is_counted() -> None:
    # The turn's spans carry it (TURN_END's ``speculation``); a turn without one counts nowhere.
    metrics = TurnMetrics()
    for outcome in ("hit", "hit", "miss", "cancelled"):
        metrics.observe({"outcome": "done", "speculation": outcome}, "satellite")
    metrics.observe({"outcome": "done"}, "satellite")
    counts = {s[0]["outcome"]: s[1] for s in _samples(metrics.render({}))["aria_speculations_total"]}
    assert counts == {"hit": 2.0, "miss": 1.0, "cancelled": 1.0}
