"""Server-side wake word for satellites that stream all the time (``run-pipeline`` from ``wake``).

The official wyoming-satellite without a wake word streams its microphone continuously, as it
does for Home Assistant; the server then runs openWakeWord on that stream itself.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor

from aria_wire.audio import PcmFormat, ToModelFormat, loudness_dbfs
from aria_wire.wake import OpenWakeWordModel, WakeGate, WakeHit

from ..concurrency import run_blocking


class StreamWake:
    """One satellite's stream: converted to 16 kHz, scored, gated; keeps the recent loudness."""

    def __init__(self, model: str, threshold: float, refractory_s: float, executor: Executor) -> None:
        self._model = OpenWakeWordModel(model)
        self._gate = WakeGate(self._model.name, threshold, refractory_s)
        self._executor = executor
        self._converter: ToModelFormat | None = None
        self.loudness_db = -120.0
        """loudness of the latest chunk, dBFS (the arbitration tie-break)."""

    async def feed(self, pcm: bytes, fmt: PcmFormat) -> WakeHit | None:
        """Score a chunk; a WakeHit when the wake word was just detected."""
        if self._converter is None or self._converter.fmt != fmt:
            self._converter = ToModelFormat(fmt)
        samples = self._converter.convert(pcm).tobytes()
        if not samples:
            return None
        self.loudness_db = max(loudness_dbfs(samples), self.loudness_db - 3.0)  # slow decay: the word just ended
        score = await run_blocking(self._executor, self._model.process, samples)
        hit = self._gate.feed(score, time.monotonic_ns())
        if hit is not None:
            self._model.reset()
        return hit

    def close(self) -> None:
        """Free the model."""
        self._model.close()
