"""The satellite's microphone sessions: frames in, each analysed once off the loop, handed on.

A session starts on the first ``run-satellite`` (``wanted``) and is then kept open. It ends when
the source dies or stalls (no frame within ``mic_stall_s``: a frozen ``arecord``, an unplugged
device); ``run`` starts a new one through the one reconnect helper, and each restart, stall and
failed analysis is counted in ``health``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from aria_wire.reconnect import Backoff, reconnecting

from .analysis import Analysis, FrameAnalyser
from .health import Health
from .mic import MicFrame, Microphone, MicStalled
from .state import State
from .timing import TimingLog

_LOGGER = logging.getLogger(__name__)

OnFrame = Callable[[MicFrame, Analysis], Awaitable[None]]


class Listening:
    """One satellite's microphone, analyser thread and session counters; ``run()`` is its task."""

    def __init__(
        self, mic: Microphone, analyser: FrameAnalyser, *, stall_s: float, health: Health, timing: TimingLog,
        state: Callable[[], State], on_frame: OnFrame,
    ) -> None:
        self.mic = mic
        self.analyser = analyser
        self.stall_s = stall_s
        self.health = health
        self.timing = timing
        self._state = state
        self._on_frame = on_frame
        self.wanted = asyncio.Event()
        """Set on the first run-satellite: until then the microphone stays closed."""
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="satellite-analysis")
        self._sessions = 0
        self._frames_session = 0
        self.last_frame_ns = 0
        """monotonic time the latest microphone frame arrived."""

    async def run(self) -> None:
        """Sessions, one after another, until cancelled."""
        try:
            await reconnecting(self._session, name="microphone", backoff=Backoff(0.2, 5.0))
        finally:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def _session(self) -> None:
        await self.wanted.wait()
        self._sessions += 1
        session = self._sessions
        if session > 1:
            self.health.count("mic_restarts")
        await self.mic.start()
        self.timing.write("mic-start", session=session, pid=getattr(self.mic, "pid", None))
        frames = aiter(self.mic.frames())
        try:
            while True:
                frame = await self._next(frames)
                if not self.last_frame_ns or self._frames_session != session:
                    self._frames_session = session
                    self.timing.write("mic-frames", session=session)  # this session delivers audio
                self.last_frame_ns = time.monotonic_ns()
                state = self._state()
                if state is State.IDLE:
                    continue  # nobody runs us: not worth a model call
                analysis = await self._analyse(frame, state)
                if analysis is not None:
                    await self._on_frame(frame, analysis)
        finally:
            await self.mic.close()

    async def _next(self, frames: AsyncIterator[MicFrame]) -> MicFrame:
        """The next frame; MicStalled when none comes in time (the session then ends)."""
        try:
            async with asyncio.timeout(self.stall_s):
                return await anext(frames)
        except TimeoutError:
            self.health.fault("mic_stalls", f"no microphone audio for {self.stall_s:.1f} s")
            self.timing.write("mic-stalled")
            raise MicStalled(f"no microphone audio for {self.stall_s:.1f} s") from None
        except OSError as err:
            self.health.fault("mic_stalls", f"microphone failed: {err}")
            self.timing.write("mic-failed", error=str(err))
            raise

    async def _analyse(self, frame: MicFrame, state: State) -> Analysis | None:
        """The frame's analysis for ``state``; None when a model failed (fresh models, keep listening)."""
        plan = self.analyser.plan(state)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self.analyser.analyse, frame, plan)
        except Exception as err:  # noqa: BLE001 - one bad frame must not stop the microphone
            _LOGGER.exception("analysis failed")
            self.health.fault("wake_reloads", f"analysis failed: {err!r}")
            if self.analyser.wake is not None:
                self.analyser.wake.reset()
            return None
