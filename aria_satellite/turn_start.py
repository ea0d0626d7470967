"""What the satellite sends when a turn begins (pure): detection, run-pipeline, pre-roll audio.

    detection (wake word only, with the word's SNR and level, score and loudness for the server's arbitration)
    run-pipeline (ASR -> TTS, the wake word's pipeline when it names one)
    audio-start, the pre-roll's chunks (the words said before the turn started), streaming-started
"""

from __future__ import annotations

from collections.abc import Iterable

from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import StreamingStarted
from wyoming.wake import Detection

from aria_wire.extensions import PIPELINE_KEY

from .level import WakeLevel
from .settings import MIC_RATE
from .wake import Detection as WakeDetection


def turn_start(
    detection: WakeDetection | None, preroll: Iterable[bytes], loudness_db: float, level: WakeLevel | None = None,
    *, aria_server: bool,
) -> list[Event]:
    """The events that start a turn, in order (``aria_server``: it may be sent Aria-only ones)."""
    events: list[Event] = []
    hit = detection.hit if detection is not None else None
    pipeline = detection.pipeline if detection is not None else None
    if hit is not None:
        # Aria's server ranks rooms by the word's SNR and level (level.py); score and loudness stay
        # for servers that rank by them. 3 decimals: microWakeWord scores are means of 5 uint8
        # outputs (steps of 1/1280).
        context: dict[str, object] = {"score": round(hit.score, 3), "loudness_db": round(loudness_db, 1)}
        if level is not None:
            context.update(level.context())
        if pipeline is not None:
            context[PIPELINE_KEY] = pipeline
        events.append(Detection(name=hit.name, timestamp=hit.t_ns // 1_000_000, context=context).event())
    run = RunPipeline(
        start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS, wake_word_name=hit.name if hit else None
    ).event()
    if pipeline is not None:
        # Not a field of the protocol: servers that do not know it ignore it (Aria picks the setting).
        run.data[PIPELINE_KEY] = pipeline
    events += [run, AudioStart(rate=MIC_RATE, width=2, channels=1, timestamp=0).event()]
    events += [AudioChunk(rate=MIC_RATE, width=2, channels=1, audio=pcm).event() for pcm in preroll]
    if aria_server:
        # Official satellites send these to their event service only; Home Assistant does not know them.
        events.append(StreamingStarted().event())
    return events
