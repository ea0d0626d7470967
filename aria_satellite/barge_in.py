"""The barge-in rule: is the user speaking over our reply (and not our reply itself)?

Two kinds of evidence, either of which interrupts the reply after ``frames`` frames in a row:

``speech``    Silero on AEC3's residual says speech (the onset the satellite already counts), on
              frames the canceller did not almost entirely remove as our own playback. This is
              the user in a room AEC3 models well.
``near-end``  the double-talk detector (``doubletalk.py``) finds a fifth or more of the speech
              bands well above the echo predicted from what we played, plus the room's noise.
              This is the user where AEC3's suppressor took them out along with the echo
              (reverberant rooms, a loud speaker close to the microphone).

    frames of a reply with the user saying "What time is it?" at 60 %, room with 300 ms RT60:
    speech   0.00 0.01 0.02 0.09 0.03 0.01 ...   (residual: the user is gone)
    near_end 0.05 0.07 0.31 0.36 0.42 0.29 ...   -> barge-in "near-end" on the 3rd frame over 0.2

Figures (echo bench, ``scripts/satellite_bench.py echo``) are in docs/benchmarks.md.
"""

from __future__ import annotations

from .analysis import Analysis
from .doubletalk import NEAR_END

ECHO_SHARE_LIMIT = 0.9
"""A frame whose energy was more than this share removed as our own playback is not the user speaking.

The VAD already listens to the echo-free residual; this only keeps a frame that the canceller
all but emptied from counting (WebRTC also removes part of the user's voice while it adapts,
so a lower limit would hide the user)."""


class BargeIn:
    """Feeds on the frames played over (SPEAKING); says when, and by which evidence, the user interrupts."""

    def __init__(self, frames: int) -> None:
        self.frames = max(1, frames)
        self._run = 0

    @staticmethod
    def own_echo(analysis: Analysis) -> bool:
        """True when the canceller removed nearly all of the frame as our own playback."""
        return analysis.echo_share > ECHO_SHARE_LIMIT

    def feed(self, analysis: Analysis, onset: bool) -> str | None:
        """``speech``, ``near-end`` or None for one frame; ``onset`` is the residual VAD's onset."""
        if onset:
            self._run = 0
            return "speech"
        near_end = analysis.near_end is not None and analysis.near_end >= NEAR_END
        self._run = self._run + 1 if near_end else 0
        if self._run == self.frames:
            self._run = 0
            return "near-end"
        return None

    def reset(self) -> None:
        """Start counting again (a new turn, or no longer speaking)."""
        self._run = 0
