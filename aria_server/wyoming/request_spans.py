"""Spans of one Wyoming ``asr`` or ``synthesize`` request, counted like a turn.

Home Assistant's speech-to-text and text-to-speech reach Aria as these requests, not as turns,
so they do not pass the turn runner; this gives them the same record (``TurnSpans.as_dict``)
and hands it to the same recorder, under their own face label (``metrics`` in ``/metrics``):

    wyoming-asr   turn_start (audio-start)  audio_end (audio-stop)  stt_done  turn_end
    wyoming-tts   turn_start (text in)  first_clause  first_audio_out  turn_end

Contract: ``finish`` records once (later calls do nothing) and is called before the request's
last event is written, so a client that has its answer finds it already counted.
"""

from __future__ import annotations

import logging

from ..errors import AriaError
from ..pipeline.metrics import TurnSpans
from ..pipeline.runner import TurnRecorder

_LOGGER = logging.getLogger(__name__)

ASR_FACE = "wyoming-asr"
TTS_FACE = "wyoming-tts"


class RequestSpans:
    """The marks of one request, from its first event to its answer."""

    def __init__(self, recorder: TurnRecorder, face: str) -> None:
        self.recorder = recorder
        self.face = face
        self.spans = TurnSpans(info={"face": face})
        self.spans.mark("turn_start")
        self._finished = False

    def mark(self, stage: str, t_ns: int | None = None) -> None:
        """Record ``stage`` now (or at ``t_ns``); the first mark of a stage wins."""
        self.spans.mark(stage, t_ns)

    async def finish(self, error: AriaError | None = None, **info: object) -> None:
        """Count the request (outcome ``done``, or ``error`` with its code); never fails the request."""
        if self._finished:
            return
        self._finished = True
        self.spans.mark("turn_end")
        self.spans.info.update(info, outcome="error" if error is not None else "done")
        if error is not None:
            self.spans.info["error"] = error.code
        try:
            await self.recorder.record(self.face, self.spans.as_dict())
        except Exception:  # counting must never break a client's request
            _LOGGER.exception("recording a %s request failed", self.face)
