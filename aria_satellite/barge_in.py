"""The barge-in rule: is the user speaking over our reply (and not our reply itself)?

Two kinds of evidence, either of which interrupts the reply:

``speech``    Silero on AEC3's residual says speech for ``VadSettings.start_frames`` frames (the
              onset the satellite already counts), on frames the canceller did not almost
              entirely remove as our own playback. This is the user in a room AEC3 models well.
              Once the detector below knows the room, it must see some near-end energy too
              (half its threshold, in the last frames): in the gaps between the reply's words
              AEC3 lets the reverberant tail through, and Silero can take that for speech.
``near-end``  the double-talk detector (``doubletalk.py``) finds, on average over the last
              ``NEAR_END_WINDOW`` frames, a fifth or more of the speech bands well above the echo
              predicted from what we played plus the room's noise. This is the user where AEC3's
              suppressor took them out along with the echo (reverberant rooms, a loud speaker
              close to the microphone).

    a reply, then the user saying "Stop." 10 dB under it, 300 ms RT60, loud speaker (illustrative):
    speech   0.01 0.02 0.09 0.03 0.01 0.02 ...   (the residual: AEC3 took the user out)
    near_end 0.06 0.09 0.29 0.18 0.20 0.24 ...   -> "near-end" once 4 frames average 0.2

The average, not a run of frames: a user speaking under our reply fills the bands the reply
leaves free, which come and go with the reply's syllables, so the evidence is bursty; over 128 ms
(a syllable) the bursts add up, while the reply alone stays below 0.14 in the bench's rooms.

Figures (echo bench, ``scripts/satellite_bench.py echo``) are in docs/benchmarks.md.
"""

from __future__ import annotations

from collections import deque

from .analysis import Analysis
from .doubletalk import NEAR_END

NEAR_END_WINDOW = 4
"""Frames (128 ms, about a syllable) over which the double-talk share is averaged."""
ECHO_SHARE_LIMIT = 0.9
"""A frame whose energy was more than this share removed as our own playback is not the user speaking.

The VAD already listens to the echo-free residual; this only keeps a frame that the canceller
all but emptied from counting (WebRTC also removes part of the user's voice while it adapts,
so a lower limit would hide the user)."""


class BargeIn:
    """Feeds on the frames played over (SPEAKING); says when, and by which evidence, the user interrupts."""

    def __init__(self, window: int = NEAR_END_WINDOW) -> None:
        self._recent: deque[float] = deque(maxlen=max(1, window))

    @staticmethod
    def own_echo(analysis: Analysis) -> bool:
        """True when the canceller removed nearly all of the frame as our own playback."""
        return analysis.echo_share > ECHO_SHARE_LIMIT

    def feed(self, analysis: Analysis, onset: bool, speaking: bool = True) -> str | None:
        """``speech``, ``near-end`` or None for one frame; ``onset`` is the residual VAD's onset.

        ``speaking`` False (no reply plays): None, and the count starts again.
        """
        if not speaking:
            self.reset()
            return None
        if analysis.near_end is None:  # not measured, or the detector is still learning the room
            self.reset()
            return "speech" if onset else None
        self._recent.append(analysis.near_end)
        if onset and max(self._recent) >= NEAR_END / 2:
            self.reset()
            return "speech"
        if len(self._recent) == self._recent.maxlen and sum(self._recent) / len(self._recent) >= NEAR_END:
            self.reset()
            return "near-end"
        return None

    def reset(self) -> None:
        """Start counting again (a new turn, or no longer speaking)."""
        self._recent.clear()
