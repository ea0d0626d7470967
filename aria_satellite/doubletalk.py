"""Is someone in the room talking over our reply? A double-talk detector beside AEC3.

AEC3's output is right for speech recognition but wrong for barge-in: where its linear filter
cannot model the room (reverberation longer than its ~50 ms filter, a loud or clipping echo),
its residual-echo suppressor removes whatever coincides with loud playback, the user included.
In the echo bench's reverberant rooms the user's "What time is it?" came out 10-13 dB down and
spectrally torn, Silero gave it 0.00-0.09, and no rule on the residual could see it.

This detector never removes anything; it predicts how much power the echo should have in each
frequency band and counts the bands where the microphone has much more:

    X[l](f)   power spectrum of what was played l frames ago (l = 0 .. HISTORY-1: delay and tail)
    E(f)      = sum over l of H[l](f) * X[l](f)        predicted echo power (H >= 0, learned)
    N(f)      the microphone's noise floor (follows quiet frames down at once, rises slowly)
    near_end  = share of the 200-4000 Hz bands where mic(f) > MARGIN * (E(f) + N(f))

While only the reply plays, the prediction is within a few dB and ``near_end`` stays below about
0.1; a user speaking even 8-10 dB under the echo dominates a good fifth of the bands, because
two voices rarely fill the same bands at the same moment. H adapts by normalised LMS on power
spectra while the reply plays and the frame is mostly echo to AEC3 (``LEARN_SHARE``); it holds
while a frame looks like double talk to this detector (so the user does not teach it that their
voice is echo), at most ``HOLD_FRAMES`` in a row (so a changed room, a moved speaker, is learned
again rather than locking it out).
``near_end`` is None until the predictor has adapted for ``TRUST_FRAMES`` frames of playback.
"""

from __future__ import annotations

import numpy as np

from .settings import FRAME_SAMPLES, MIC_RATE

HISTORY = 14
"""Frames of played audio the echo is predicted from (14 x 32 ms: delay plus a 300 ms tail)."""
MARGIN = 4.0
"""How much more power than echo plus noise a band needs to count as someone else (6 dB)."""
STEP = 0.5
"""NLMS step of the echo-power predictor."""
NEAR_END = 0.2
"""Share of bands above which a frame is double talk (a fifth of the speech band)."""
HOLD_FRAMES = 40
"""Longest run of frames (about 1.3 s) the predictor holds still during double talk."""
LEARN_SHARE = 0.9
"""AEC3's echo share above which a frame is mostly our own playback: one the predictor may learn from.

Without it the predictor learned the user as echo whenever they spoke before it had learned the
room (power spectra add: any power that comes with playback looks like more echo)."""
TRUST_FRAMES = 60
"""Frames of playback (about 2 s) the predictor learns before its answer counts."""
FAR_ACTIVE = 10 ** (-50 / 10)
"""Mean square (full scale 1) of played audio below which nothing is playing (-50 dBFS)."""
NOISE_RISE = 1.005
"""Per-frame factor by which the noise floor may rise (about 0.7 dB/s: a reply is not noise)."""
QUIET = 10 ** (-65 / 10) * float(np.sum(np.hanning(FRAME_SAMPLES) ** 2))
"""Band power of white noise at -65 dBFS: quieter bands are nobody talking to the satellite."""
_BANDS = slice(200 * FRAME_SAMPLES // MIC_RATE, 4000 * FRAME_SAMPLES // MIC_RATE)
_WINDOW = np.hanning(FRAME_SAMPLES)


def _power(samples: np.ndarray) -> np.ndarray:
    return np.abs(np.fft.rfft(samples * _WINDOW)) ** 2


class DoubleTalk:
    """Per microphone frame and the played audio aligned with it: the share of bands someone else fills."""

    def __init__(self) -> None:
        bins = FRAME_SAMPLES // 2 + 1
        self._gain = np.zeros((HISTORY, bins))
        self._played = np.zeros((HISTORY, bins))
        self._noise: np.ndarray | None = None
        self._held = 0
        self._learned = 0
        self._last = 0.0

    def restart(self) -> None:
        """A new reply: forget what was played and the noise floor, which may have changed since (the learned room stays)."""
        self._played[:] = 0.0
        self._noise = None
        self._held = 0
        self._last = 0.0

    def feed(self, mic: np.ndarray, played: np.ndarray, echo_share: float = 1.0) -> float | None:
        """Share (0-1) of speech bands the microphone has well above echo and noise; None while still learning.

        ``echo_share``: how much of the frame AEC3 removed as echo; the predictor learns only from
        frames that are mostly echo (``LEARN_SHARE``), never from the user alone or a room the
        microphone does not hear (AEC3 passes those through: share 0).
        """
        mic = mic.astype(np.float64) / 32768.0
        played = played.astype(np.float64) / 32768.0
        self._played = np.roll(self._played, 1, axis=0)
        self._played[0] = _power(played)
        heard = _power(mic)
        echo = (self._gain * self._played).sum(axis=0)
        rising = heard if self._noise is None else self._noise * NOISE_RISE
        self._noise = np.maximum(np.minimum(heard, rising), QUIET)
        playing = float(np.mean(played * played)) > FAR_ACTIVE
        hold = self._learned >= TRUST_FRAMES and self._last >= NEAR_END and self._held < HOLD_FRAMES
        self._held = self._held + 1 if hold else 0
        if playing and not hold and echo_share >= LEARN_SHARE:
            # Normalised LMS on power spectra, kept non-negative: power adds (roughly) across the tail.
            norm = (self._played**2).sum(axis=0) + 1e-20
            self._gain = np.maximum(0.0, self._gain + STEP * self._played * (heard - echo) / norm)
            self._learned += 1
        band_heard, floor = heard[_BANDS], (echo + self._noise)[_BANDS]
        self._last = float(np.mean(band_heard > MARGIN * floor))
        return self._last if self._learned >= TRUST_FRAMES else None
