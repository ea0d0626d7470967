"""The quick first pass drops Whisper's echoes of a short command, and nothing else."""

from __future__ import annotations

import pytest

from aria_server.stt.faster_whisper import without_echoes


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        # Seen from the quick pass on the bundled "What time is it?" clip.
        ("What time is it? What time is it?", "What time is it?"),
        ("What time is it? What time? Is it?", "What time is it?"),
        ("What time is it? Set a timer for five minutes.", "What time is it? Set a timer for five minutes."),
        ("Set a timer for 5 minutes.", "Set a timer for 5 minutes."),
        ("", ""),
    ],
)
def test_repeated_sentences_are_dropped_new_ones_kept(heard: str, kept: str) -> None:
    assert without_echoes(heard) == kept
