"""Removes the satellite's own playback from its microphone: WebRTC's echo canceller (AEC3).

The player reports every piece it plays with its start time (``add_reference``). For each
microphone frame, ``process`` takes the played audio of the same moment (both are on the
monotonic clock, so the two streams are aligned before WebRTC sees them), hands it to the audio
processing module as the far end, 10 ms at a time, and gets the frame back with the echo
removed. WebRTC's own delay estimator covers the rest (the room's path, the sound card's
buffers); its residual-echo suppressor handles what a linear filter cannot (reverberation).

The residual is what goes to the server for STT (so chimes and replies never reach it) and what
the barge-in VAD listens to (so the reply does not interrupt itself); the share of the frame's
energy that was removed tells the barge-in rule how much of the frame was our own playback.
``played`` hands the aligned playback to the double-talk detector (``doubletalk.py``), which
barge-in also listens to because the suppressor removes the user too where the room is hard.

Where the microphone does not hear the speaker at all (headphones, a line out, a test's feeder
program), AEC3 would still suppress the user while it waits to learn a path that is not there;
so when the microphone has mostly stayed 35 dB or more below what was played over the last ~2 s
of playback, frames are passed through unchanged (still one block late).

The module comes from livekit's ``rtc.AudioProcessingModule`` (the WebRTC APM in its FFI
library); blocks are 10 ms, which 32 ms frames do not divide, so the output runs one block
(10 ms) behind the input.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Protocol

import numpy as np
import soxr

from .settings import MIC_RATE

BLOCK = MIC_RATE // 100
"""Samples WebRTC processes at a time (10 ms)."""
REFERENCE_GAIN = 0.3
"""Scale of the played audio handed to WebRTC as the far end (about -10 dB).

Until AEC3 has learned the room's echo path it assumes a strong one and suppresses the
microphone wherever the far end is loud, so the user's first words over the first reply were
lost (25% of the speech energy kept at full scale, 40% at -10 dB, 51% at -20 dB). At -20 dB
the filter adapts more slowly and false barge-ins appeared (6 of 16 simulated replies);
-10 dB had none, with ERLE around 50 dB (docs/benchmarks.md, "Echo cancellation").
"""
FAR_ACTIVE = 10 ** (-35 / 10)
"""Mean square (full scale 1) above which a frame of played audio counts as playing (-35 dBFS)."""
NO_ECHO_RATIO = 10 ** (-35 / 10)
"""Microphone-to-playback power ratio below which the microphone does not hear the speaker (-35 dB)."""
ECHO_WINDOW = 60
"""Frames of playback (about 2 s) over which the echo path is judged."""


class EchoCanceller(Protocol):
    """Playback in, microphone frames out with the playback removed."""

    def add_reference(self, pcm: bytes, rate: int, start_t_ns: int) -> None:
        """Audio (mono 16-bit at ``rate``) that the speaker plays from ``start_t_ns``."""
        ...

    def process(self, frame: bytes, t_ns: int) -> tuple[bytes, float]:
        """(residual frame, share of the frame's energy that was removed, 0-1) for a frame ending at ``t_ns``."""
        ...

    def played(self, t_ns: int, count: int) -> np.ndarray:
        """The ``count`` samples (16 kHz int16) the speaker played up to ``t_ns``; zeros where nothing played."""
        ...


class ReferenceRing:
    """What the speaker played, indexed by 16 kHz ticks of the monotonic clock (silence elsewhere)."""

    def __init__(self, history_s: float = 3.0) -> None:
        self._size = int(history_s * MIC_RATE)
        self._ring = np.zeros(self._size, dtype=np.int16)
        self.newest = -1
        """absolute index of the newest sample stored (-1: none yet)."""

    @staticmethod
    def index(t_ns: int) -> int:
        """The absolute sample index of a monotonic time."""
        return t_ns * MIC_RATE // 1_000_000_000

    def store(self, samples: np.ndarray, start: int) -> None:
        """Samples playing from absolute index ``start``; a gap since the last piece is silence."""
        if self.newest >= 0 and start > self.newest + 1:
            gap = np.arange(self.newest + 1, min(start, self.newest + 1 + self._size))
            self._ring[gap % self._size] = 0
        samples = samples[-self._size :]
        self._ring[(start + np.arange(len(samples))) % self._size] = samples
        self.newest = max(self.newest, start + len(samples) - 1)

    def read(self, first: int, count: int) -> np.ndarray:
        """Samples ``first`` .. ``first + count - 1`` (zeros where nothing was played)."""
        indices = first + np.arange(count)
        out = self._ring[indices % self._size].copy()
        out[(indices > self.newest) | (indices <= self.newest - self._size)] = 0
        return out


class WebRtcEchoCanceller:
    """AEC3 (optionally with WebRTC's noise suppression and gain control) over aligned reference audio."""

    def __init__(self, *, noise_suppression: bool = False, auto_gain: bool = False, history_s: float = 3.0) -> None:
        try:
            from livekit import rtc
        except (ImportError, OSError) as err:
            raise OSError("echo cancellation needs livekit: pip install 'aria-voice[satellite]'") from err
        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=True, noise_suppression=noise_suppression, high_pass_filter=True, auto_gain_control=auto_gain
        )
        self._apm.set_stream_delay_ms(0)  # the reference is already aligned to the capture clock
        self._ring = ReferenceRing(history_s)
        self._lock = threading.Lock()  # references arrive on the loop, frames in the analysis thread
        self._pending = np.zeros(0, dtype=np.int16)
        self._pending_end = 0
        self._out = np.zeros(BLOCK, dtype=np.int16)  # one block of latency: 512 is not a multiple of 160
        self._raw_out = np.zeros(BLOCK, dtype=np.int16)  # the microphone, as late as the canceller's output
        self._ratios: deque[float] = deque(maxlen=ECHO_WINDOW)
        self._far_recent: deque[float] = deque(maxlen=8)
        self.echo_path: bool = True
        """False once the microphone has been shown not to hear the speaker (frames then pass unchanged)."""

    def add_reference(self, pcm: bytes, rate: int, start_t_ns: int) -> None:
        """Audio (mono 16-bit at ``rate``) that the speaker plays from ``start_t_ns``."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16)
        if rate != MIC_RATE:
            samples = soxr.resample(samples, rate, MIC_RATE)
        with self._lock:
            self._ring.store(np.asarray(samples, dtype=np.int16), ReferenceRing.index(start_t_ns))

    def played(self, t_ns: int, count: int) -> np.ndarray:
        """The ``count`` samples (16 kHz int16) the speaker played up to ``t_ns``; zeros where nothing played."""
        with self._lock:
            return self._ring.read(ReferenceRing.index(t_ns) - count + 1, count)

    def _block(self, samples: np.ndarray) -> np.ndarray:
        frame = self._rtc.AudioFrame(samples.tobytes(), MIC_RATE, 1, BLOCK)
        self._apm.process_stream(frame)
        return np.frombuffer(frame.data, dtype=np.int16).copy()

    def process(self, frame: bytes, t_ns: int) -> tuple[bytes, float]:
        """(residual frame, share of its energy removed) for a frame whose last sample is at ``t_ns``."""
        mic = np.frombuffer(frame, dtype=np.int16)
        end = ReferenceRing.index(t_ns)
        self._pending = np.concatenate([self._pending, mic])
        self._pending_end = end
        blocks = len(self._pending) // BLOCK
        processed = [self._out]
        first = end - len(self._pending) + 1
        with self._lock:
            reference = self._ring.read(first, blocks * BLOCK)
        for b in range(blocks):
            far_pcm = (reference[b * BLOCK : (b + 1) * BLOCK] * REFERENCE_GAIN).astype(np.int16)
            far = self._rtc.AudioFrame(far_pcm.tobytes(), MIC_RATE, 1, BLOCK)
            self._apm.process_reverse_stream(far)
            processed.append(self._block(self._pending[b * BLOCK : (b + 1) * BLOCK]))
        self._pending = self._pending[blocks * BLOCK :]
        out = np.concatenate(processed)
        residual, self._out = out[: len(mic)], out[len(mic) :]
        raw = np.concatenate([self._raw_out, mic])
        late_mic, self._raw_out = raw[: len(mic)], raw[len(mic) :]
        self._judge_echo_path(mic, reference[-len(mic) :] if len(reference) >= len(mic) else reference)
        if not self.echo_path:
            return late_mic.tobytes(), 0.0
        # The share compares the frame with what came out for the same samples (10 ms later).
        heard = float(np.dot(late_mic.astype(np.float64), late_mic))
        kept = float(np.dot(residual.astype(np.float64), residual))
        share = 0.0 if heard < 1e3 else float(np.clip(1.0 - kept / heard, 0.0, 1.0))
        return residual.tobytes(), share

    def _judge_echo_path(self, mic: np.ndarray, far: np.ndarray) -> None:
        """Track how loud the microphone is while we play: whether it hears us at all.

        A frame's echo comes from the last ~250 ms of playback (the room's delay and tail), so
        the microphone is compared with the mean power played over that time. The median of
        that ratio decides: a dry room is quiet in the gaps between words, and a user speaking
        over a reply in a room without echo is loud, but neither for most of the time.
        """
        far_power = float(np.mean((far.astype(np.float64) / 32768.0) ** 2)) if len(far) else 0.0
        self._far_recent.append(far_power)
        recent = float(np.mean(self._far_recent))
        if recent < FAR_ACTIVE:
            return
        mic_power = float(np.mean((mic.astype(np.float64) / 32768.0) ** 2))
        self._ratios.append(mic_power / recent)
        if len(self._ratios) >= ECHO_WINDOW // 4:
            self.echo_path = float(np.median(self._ratios)) > NO_ECHO_RATIO
