"""One satellite as the server drives it: its connection, its turns, its state.

A session outlives connections (``connect_and_serve`` runs once per connection, under the
reconnect helper). Within a connection, at most one *job* runs at a time (a turn or an
announcement); a new ``run-pipeline`` or a wake word while a job runs is a barge-in and cancels
it. Audio from the satellite goes to the job's inbox while it listens, otherwise to the
server-side wake word when the satellite streams all the time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Info
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.snd import Played
from wyoming.wake import Detection

from aria_wire.audio import PcmFormat
from aria_wire.framing import FrameLimits
from aria_wire.reconnect import Backoff

from ..errors import SatelliteGone
from ..pipeline.metrics import TurnSpans
from .arbitration import Candidate
from aria_wire.extensions import PLAYBACK_STARTED, aria_run_satellite

from .client import SatelliteLink
from .inbox import AudioInbox
from .jobs import Job, announcement, voice_turn
from .state import SatelliteState, SatelliteStatus
from .wake import StreamWake

_LOGGER = logging.getLogger(__name__)



class Arbitrator(Protocol):
    """Decides which satellite answers a wake word heard by several."""

    async def arbitrate(self, candidate: Candidate) -> bool:
        """Wait for the window to close; True when ``candidate`` won."""
        ...


@dataclass(frozen=True)
class SessionOptions:
    """Timing of the server's side of a satellite (seconds)."""

    ping_interval_s: float = 5.0
    ping_timeout_s: float = 15.0
    """a satellite that answered pings and then stays silent this long is dropped."""
    follow_up_s: float = 6.0
    """how long the microphone stays open for an answer to a question."""
    no_speech_s: float = 8.0
    """a turn in which nobody speaks for this long ends."""
    conversation_idle_s: float = 300.0
    """after this much silence a satellite starts a new conversation."""
    wake_model: str = "okay_nabu"
    wake_threshold: float = 0.5
    wake_refractory_s: float = 2.0


class SatelliteSession:
    """The server's view of one satellite (static or discovered)."""

    def __init__(
        self,
        status: SatelliteStatus,
        host: str,
        port: int,
        *,
        context: Any,
        arbitrator: Arbitrator,
        options: SessionOptions,
        limits: FrameLimits,
        on_turn: Callable[[SatelliteSession, TurnSpans], Awaitable[None]] | None = None,
    ) -> None:
        self.status = status
        self.host = host
        self.port = port
        self.context = context
        """What jobs need: ``pipeline`` (VoicePipeline), ``agent``, ``tts``, ``wake_executor``."""
        self.arbitrator = arbitrator
        self.options = options
        self.limits = limits
        self.on_turn = on_turn
        self.link: SatelliteLink | None = None
        self.backoff = Backoff(0.5, 10.0)
        """Delays between reconnection attempts (used by the manager's reconnect loop)."""
        self.info: Info | None = None
        self.job: Job | None = None
        self.inbox: AudioInbox | None = None
        self.played = asyncio.Event()
        self.sends_played = False
        """True once the satellite reported ``played`` (Aria satellites, wyoming-satellite >= 1.1)."""
        self.conversation_id = ""
        self.follow_up_until = 0.0
        self._last_turn_end = 0.0
        self._pending: Candidate | None = None
        self._wake: StreamWake | None = None
        self._streams_always = False
        self._last_heard = 0.0
        self._answers_pings = False

    @property
    def name(self) -> str:
        """The satellite's name."""
        return self.status.name

    # -- one connection --------------------------------------------------------------------

    async def connect_and_serve(self) -> None:
        """Connect, run the satellite until the connection ends, then free what it held."""
        link = await SatelliteLink.open(self.host, self.port, self.limits)
        if link.info.satellite is None:
            await link.close()
            raise SatelliteGone(f"{self.host}:{self.port} is a Wyoming service but not a satellite", code="not-a-satellite")
        self.link, self.info = link, link.info
        self.status.name = link.info.satellite.name or self.status.name
        attribution = link.info.satellite.attribution
        # Aria satellites report playback; others are learned from their first ``played``.
        self.sends_played = self.sends_played or (attribution is not None and attribution.name == "Aria")
        self.status.area = link.info.satellite.area or self.status.area
        self.status.connected_since = time.time()
        self.backoff.reset()  # connected: the next failure starts again from the shortest delay
        self.status.last_error = None
        self._set_state(SatelliteState.IDLE)
        self._last_heard = time.monotonic()
        _LOGGER.info("satellite %s connected (%s:%d)", self.name, self.host, self.port)
        try:
            # Marked as Aria's: an Aria satellite then also reports playback-started.
            await link.send(aria_run_satellite())
            async with asyncio.TaskGroup() as group:
                pinger = group.create_task(self._keep_alive(link), name=f"satellite {self.name} ping")
                async for event in link.events():
                    self._last_heard = time.monotonic()
                    await self._on_event(event)
                pinger.cancel()
        except* SatelliteGone as gone:
            self.status.last_error = str(gone.exceptions[0])
            raise gone.exceptions[0] from None
        finally:
            await self._end_job("satellite disconnected")
            self.link = None
            self._streams_always = False
            if self._wake is not None:
                self._wake.close()
                self._wake = None
            self._set_state(SatelliteState.DISCONNECTED)
            self.status.connected_since = None
            await link.close()
            _LOGGER.info("satellite %s disconnected", self.name)

    async def _keep_alive(self, link: SatelliteLink) -> None:
        """Ping; drop a satellite that used to answer and has gone silent."""
        while True:
            await asyncio.sleep(self.options.ping_interval_s)
            if self._answers_pings and time.monotonic() - self._last_heard > self.options.ping_timeout_s:
                raise SatelliteGone(f"satellite {self.name} stopped answering pings")
            await link.send(Ping().event())

    async def send(self, event: Event) -> None:
        """Send to the satellite (SatelliteGone when not connected)."""
        if self.link is None:
            raise SatelliteGone(f"satellite {self.name} is not connected")
        await self.link.send(event)

    # -- events from the satellite ---------------------------------------------------------

    async def _on_event(self, event: Event) -> None:
        if AudioChunk.is_type(event.type):
            await self._on_audio(AudioChunk.from_event(event))
        elif RunPipeline.is_type(event.type):
            await self._on_run_pipeline(RunPipeline.from_event(event))
        elif Detection.is_type(event.type):
            detection = Detection.from_event(event)
            context = detection.context or {}
            self._pending = Candidate(
                self.name,
                float(context.get("score", 0.0)),
                float(context.get("loudness_db", -120.0)),
                time.monotonic(),
            )
        elif AudioStop.is_type(event.type):
            if self.inbox is not None:
                self.inbox.close()
        elif Played.is_type(event.type):
            self.sends_played = True
            if self.job is not None and self.job.spans is not None:
                self.job.spans.mark("playback_stop")
            self.played.set()
        elif event.type == PLAYBACK_STARTED:
            self.sends_played = True
            if self.job is not None and self.job.spans is not None:
                self.job.spans.mark("playback_start")
        elif Pong.is_type(event.type):
            self._answers_pings = True
        elif Ping.is_type(event.type):
            await self.send(Pong(text=Ping.from_event(event).text).event())
        elif not AudioStart.is_type(event.type):
            _LOGGER.debug("satellite %s: %s", self.name, event.type)

    async def _on_run_pipeline(self, run: RunPipeline) -> None:
        if run.start_stage == PipelineStage.WAKE:
            # It streams from now on and leaves the wake word to us (as with Home Assistant).
            self._streams_always = True
            self.status.wake = "server"
            if self._wake is None:
                self._wake = StreamWake(
                    self.options.wake_model,
                    self.options.wake_threshold,
                    self.options.wake_refractory_s,
                    self.context.wake_executor,
                )
            return
        self.status.wake = "local"
        candidate, self._pending = self._pending, None
        await self.start_turn(candidate)

    async def _on_audio(self, chunk: AudioChunk) -> None:
        fmt = PcmFormat(chunk.rate, chunk.width, chunk.channels)
        if self.inbox is not None:
            self.inbox.push(chunk.audio, fmt)
            return
        if self._wake is None or not self._streams_always:
            return
        if self.job is None and time.monotonic() < self.follow_up_until:
            await self.start_turn(None, "follow-up")  # the reply asked a question: no wake word needed
            if self.inbox is not None:
                self.inbox.push(chunk.audio, fmt)
            return
        hit = await self._wake.feed(chunk.audio, fmt)
        if hit is None:
            return
        await self.send(Detection(name=hit.name, timestamp=hit.t_ns // 1_000_000).event())
        await self.start_turn(Candidate(self.name, hit.score, self._wake.loudness_db, time.monotonic()))

    # -- jobs ------------------------------------------------------------------------------

    def _kind(self, candidate: Candidate | None) -> str:
        if time.monotonic() < self.follow_up_until:
            return "follow-up"
        if self.job is not None:
            return "barge-in"
        return "wake" if candidate is not None else "start"

    async def conversation(self, kind: str) -> str:
        """Follow-ups and barge-ins continue the conversation; otherwise the agent decides
        (``conversation_for``: the same one until it has been idle too long), else a new one
        after ``conversation_idle_s``."""
        if kind in ("follow-up", "barge-in") and self.conversation_id:
            return self.conversation_id
        conversation_for = getattr(self.context.agent, "conversation_for", None)
        if conversation_for is not None:
            self.conversation_id = str(await conversation_for(self.name))
        elif not self.conversation_id or time.monotonic() - self._last_turn_end > self.options.conversation_idle_s:
            self.conversation_id = f"satellite-{self.name}-{int(time.time() * 1000)}"
        return self.conversation_id

    async def start_turn(self, candidate: Candidate | None, kind: str | None = None) -> None:
        """Begin a voice turn now (ending any job in flight: that is a barge-in)."""
        kind = kind or self._kind(candidate)
        await self._end_job("barge-in" if kind == "barge-in" else "new turn")
        self.follow_up_until = 0.0
        inbox = AudioInbox()
        self.inbox = inbox
        spans = TurnSpans(info={"satellite": self.name, "trigger": kind})
        run = voice_turn(self, inbox, kind, candidate if kind == "wake" else None, spans)
        self.job = Job.start(f"satellite {self.name} {kind}", run, spans)
        self.job.task.add_done_callback(self._job_done)

    async def announce(self, text: str) -> dict[str, Any]:
        """Speak ``text`` now (ending any job in flight); returns once it has been played."""
        if self.link is None:
            raise SatelliteGone(f"satellite {self.name} is not connected")
        await self._end_job("announcement")
        job = Job.start(f"satellite {self.name} announce", announcement(self, text))
        self.job = job
        job.task.add_done_callback(self._job_done)
        return await asyncio.shield(job.task)

    async def _end_job(self, reason: str) -> None:
        job, self.job = self.job, None
        if self.inbox is not None:
            self.inbox.close()
            self.inbox = None
        if job is not None and not job.task.done():
            _LOGGER.info("satellite %s: ending %s (%s)", self.name, job.task.get_name(), reason)
            if job.spans is not None:
                job.spans.info["ended_by"] = reason
                if "playback_start" in job.spans.marks:
                    job.spans.mark("playback_stop")  # barge-in: the satellite stopped playing just now
            await job.cancel()

    def _job_done(self, task: asyncio.Task[Any]) -> None:
        if self.job is not None and self.job.task is task:
            self.job = None
            self.inbox = None
            self._last_turn_end = time.monotonic()
            if self.link is not None:
                self._set_state(SatelliteState.IDLE)
        if not task.cancelled() and (err := task.exception()) is not None and not isinstance(err, SatelliteGone):
            _LOGGER.error("%s failed", task.get_name(), exc_info=err)

    def _set_state(self, state: SatelliteState) -> None:
        if self.status.state is not state:
            _LOGGER.debug("satellite %s: %s -> %s", self.name, self.status.state, state)
            self.status.state = state

    def set_state(self, state: SatelliteState) -> None:
        """Jobs report their phase here."""
        self._set_state(state)

    def listening_done(self, inbox: AudioInbox) -> None:
        """The turn owning ``inbox`` has its transcript: further audio goes to the wake word again."""
        inbox.close()
        if self.inbox is inbox:
            self.inbox = None
