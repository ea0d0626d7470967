"""The endpointer turns frame probabilities into speech start, pause, resume and end."""

from __future__ import annotations

from aria_server.settings import VadSettings
from aria_server.vad.endpointer import Endpointer, VadEventType

SETTINGS = VadSettings(threshold=0.5, speculate_after_ms=192, end_of_speech_ms=480, min_speech_ms=64)
SPEECH, SILENCE = 0.9, 0.1


def _types(endpointer: Endpointer) -> list[VadEventType]:
    return [event.type for event in endpointer.events]


def test_silence_only_has_no_speech() -> None:
    endpointer = Endpointer(SETTINGS)
    endpointer.feed([SILENCE] * 100)
    assert not endpointer.has_speech
    assert endpointer.events == []


def test_a_single_noisy_frame_is_not_speech() -> None:
    endpointer = Endpointer(SETTINGS)
    endpointer.feed([SILENCE, SPEECH, SILENCE, SILENCE])
    assert not endpointer.has_speech


def test_speech_then_silence_gives_start_pause_end() -> None:
    endpointer = Endpointer(SETTINGS)
    endpointer.feed([SILENCE] * 5 + [SPEECH] * 20 + [SILENCE] * 20)
    assert _types(endpointer) == [VadEventType.SPEECH_START, VadEventType.PAUSE, VadEventType.SPEECH_END]
    start, pause, end = endpointer.events
    assert start.frame == 5
    assert endpointer.last_speech_frame == 24
    assert pause.frame == 24 + 192 // 32
    assert end.frame == 24 + 480 // 32


def test_speech_after_a_pause_resumes_the_utterance() -> None:
    endpointer = Endpointer(SETTINGS)
    endpointer.feed([SPEECH] * 10 + [SILENCE] * 8 + [SPEECH] * 10 + [SILENCE] * 20)
    assert _types(endpointer) == [
        VadEventType.SPEECH_START,
        VadEventType.PAUSE,
        VadEventType.SPEECH_RESUMED,
        VadEventType.PAUSE,
        VadEventType.SPEECH_END,
    ]
