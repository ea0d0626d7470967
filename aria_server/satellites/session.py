"""One satellite as the server drives it: its connection, its state machine, its turns.

A session outlives connections (``connect_and_serve`` runs once per connection, under the
reconnect helper); what belongs to one connection lives in a ``Connection`` and goes with it.
The session's ``TurnRunner`` runs at most one turn or announcement at a time; a new
``run-pipeline`` or a wake word while one runs is a barge-in and cancels it. Audio from the
satellite goes to the turn's microphone while it listens, otherwise to the server-side wake
word when the satellite streams all the time (``WakeSource.SERVER``). The state drives: it
moves only through ``SatelliteStatus.to`` (the table in ``state.py``), and a follow-up (with
the question the house asked, if any) is the FOLLOW_UP state and its data, not a flag.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Info
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.snd import Played
from wyoming.wake import Detection

from aria_wire.audio import PcmFormat
from aria_wire.extensions import PLAYBACK_STARTED, SATELLITE_CONFIG, SATELLITE_STATUS, aria_run_satellite
from aria_wire.framing import FrameLimits
from aria_wire.reconnect import Backoff

from ..errors import SatelliteError, SatelliteGone
from ..pipeline.microphone import Microphone
from ..pipeline.runner import ConversationKeys, TurnRecorder, TurnRunner
from ..pipeline.turn import VoicePipeline
from ..settings import SatellitesSettings
from ..tts.service import SpeechSynthesis
from .arbitration import Candidate
from .client import SatelliteLink
from .state import TURN_STATES, SatelliteState, SatelliteStatus, WakeSource
from .turns import Arbitrator, VoiceTurnPlan, announcement, offer_follow_up, voice_turn
from .wake import StreamWake

_LOGGER = logging.getLogger(__name__)


TurnHook = Callable[["SatelliteSession", dict[str, Any]], Awaitable[None]]
"""Receives each finished turn's record with its session (the manager keeps the recent ones)."""


@dataclass(frozen=True)
class SessionDeps:
    """What every satellite session uses, shared by all of them (built once by the manager)."""

    pipeline: VoicePipeline | None
    """None without a conversation agent: turns then end with ``no-agent``."""
    tts: SpeechSynthesis | None
    conversations: ConversationKeys | None
    recorder: TurnRecorder
    arbitrator: Arbitrator
    wake_executor: Executor
    settings: SatellitesSettings
    limits: FrameLimits
    on_turn: TurnHook | None = None


@dataclass
class Connection:
    """What one connection holds; gone with it."""

    link: SatelliteLink
    last_heard: float
    answers_pings: bool = False
    wake: StreamWake | None = None
    """The server-side wake word, once the satellite streams all the time (``run-pipeline`` from wake)."""
    pending: Candidate | None = None
    """The satellite's own wake word detection, until its ``run-pipeline`` arrives."""


class SatelliteSession:
    """The server's view of one satellite (static or discovered)."""

    def __init__(self, status: SatelliteStatus, host: str, port: int, deps: SessionDeps) -> None:
        self.status = status
        self.host = host
        self.port = port
        self.deps = deps
        self.backoff = Backoff(0.5, 10.0)
        """Delays between reconnection attempts (used by the manager's reconnect loop)."""
        self.runner = TurnRunner(
            deps.pipeline,
            deps.recorder,
            face="satellite",
            name=f"satellite {status.name}",
            conversations=deps.conversations,
            on_recorded=self._recorded,
            on_idle=self._idle,
        )
        self.connection: Connection | None = None
        self.info: Info | None = None
        """The satellite's last ``describe`` answer (kept after a disconnect)."""
        self.played = asyncio.Event()
        self.sends_played = False
        """True once the satellite reported ``played`` (Aria satellites, wyoming-satellite >= 1.1)."""
        self.conversation_id = ""
        self._configured: asyncio.Future[dict[str, Any]] | None = None
        """The satellite's answer to a ``satellite-config`` in flight."""

    @property
    def name(self) -> str:
        """The satellite's name."""
        return self.status.name

    @property
    def link(self) -> SatelliteLink | None:
        """The connection's link, None while disconnected."""
        return self.connection.link if self.connection is not None else None

    @property
    def trusted(self) -> bool:
        """Given by address (the user configured it), or found over zeroconf and approved by name."""
        return self.status.source == "static" or self.deps.settings.profile(self.status.name).trusted

    @property
    def wake_on_server(self) -> bool:
        """True when it streams all the time and the server hears the wake word."""
        return self.status.wake is WakeSource.SERVER

    def to(self, state: SatelliteState, reason: str) -> None:
        """Move the state machine (turns report their phase here)."""
        self.status.to(state, reason)

    # -- one connection --------------------------------------------------------------------

    async def connect_and_serve(self) -> None:
        """Connect, run the satellite until the connection ends, then free what it held."""
        link = await SatelliteLink.open(self.host, self.port, self.deps.limits)
        if link.info.satellite is None:
            await link.close()
            raise SatelliteGone(f"{self.host}:{self.port} is a Wyoming service but not a satellite", code="not-a-satellite")
        connection = self.connection = Connection(link, last_heard=time.monotonic())
        self.info = link.info
        self.status.name = link.info.satellite.name or self.status.name
        self.runner.name = f"satellite {self.name}"
        attribution = link.info.satellite.attribution
        # Aria satellites report playback; others are learned from their first ``played``.
        self.sends_played = self.sends_played or (attribution is not None and attribution.name == "Aria")
        self.status.area = link.info.satellite.area or self.status.area
        self.status.connected_since = time.time()
        self.backoff.reset()  # connected: the next failure starts again from the shortest delay
        self.status.last_error = None
        self.to(SatelliteState.IDLE, "connected")
        _LOGGER.info("satellite %s connected (%s:%d)", self.name, self.host, self.port)
        try:
            # Marked as Aria's: an Aria satellite then also reports playback-started.
            await link.send(aria_run_satellite())
            async with asyncio.TaskGroup() as group:
                pinger = group.create_task(self._keep_alive(connection), name=f"satellite {self.name} ping")
                async for event in link.events():
                    connection.last_heard = time.monotonic()
                    await self._on_event(connection, event)
                pinger.cancel()
        except* SatelliteGone as gone:
            self.status.last_error = str(gone.exceptions[0])
            raise gone.exceptions[0] from None
        finally:
            await self._end_turn("satellite disconnected")
            self.connection = None
            if connection.wake is not None:
                connection.wake.close()
            self.to(SatelliteState.DISCONNECTED, "connection closed")
            self.status.connected_since = None
            await link.close()
            _LOGGER.info("satellite %s disconnected", self.name)

    async def _keep_alive(self, connection: Connection) -> None:
        """Ping; drop a satellite that used to answer and has gone silent."""
        settings = self.deps.settings
        while True:
            await asyncio.sleep(settings.ping_interval_s)
            if connection.answers_pings and time.monotonic() - connection.last_heard > settings.ping_timeout_s:
                raise SatelliteGone(f"satellite {self.name} stopped answering pings")
            await connection.link.send(Ping().event())

    async def send(self, event: Event) -> None:
        """Send to the satellite (SatelliteGone when not connected)."""
        link = self.link
        if link is None:
            raise SatelliteGone(f"satellite {self.name} is not connected")
        await link.send(event)

    # -- events from the satellite ---------------------------------------------------------

    async def _on_event(self, connection: Connection, event: Event) -> None:
        if AudioChunk.is_type(event.type):
            await self._on_audio(connection, AudioChunk.from_event(event))
        elif RunPipeline.is_type(event.type):
            await self._on_run_pipeline(connection, RunPipeline.from_event(event))
        elif Detection.is_type(event.type):
            context = Detection.from_event(event).context or {}
            connection.pending = Candidate.from_context(self.name, context, time.monotonic())
        elif AudioStop.is_type(event.type):
            if (microphone := self.runner.listening()) is not None:
                microphone.end()
        elif Played.is_type(event.type):
            self.sends_played = True
            self._mark("playback_stop")
            self.played.set()
        elif event.type == PLAYBACK_STARTED:
            self.sends_played = True
            self._mark("playback_start")
        elif event.type == SATELLITE_STATUS:
            self.status.reported = dict(event.data or {})
            if self._configured is not None and not self._configured.done():
                self._configured.set_result(self.status.reported)
        elif Error.is_type(event.type):
            error = Error.from_event(event)
            if self._configured is not None and not self._configured.done() and error.code == "bad-config":
                self._configured.set_exception(SatelliteError(error.text, code="bad-satellite-config"))
            else:
                _LOGGER.info("satellite %s reports an error: %s", self.name, error.text)
        elif Pong.is_type(event.type):
            connection.answers_pings = True
        elif Ping.is_type(event.type):
            await self.send(Pong(text=Ping.from_event(event).text).event())
        elif not AudioStart.is_type(event.type):
            _LOGGER.debug("satellite %s: %s", self.name, event.type)

    def _mark(self, stage: str) -> None:
        """Mark what the satellite reports about the reply on the spans of the turn in flight."""
        if self.runner.current is not None:
            self.runner.current.spans.mark(stage)

    async def _on_run_pipeline(self, connection: Connection, run: RunPipeline) -> None:
        if run.start_stage == PipelineStage.WAKE:
            # It streams from now on and leaves the wake word to us (as with Home Assistant).
            self.status.wake = WakeSource.SERVER
            if connection.wake is None:
                settings = self.deps.settings
                threshold = settings.profile(self.name).wake_threshold or settings.wake_threshold
                connection.wake = StreamWake(
                    settings.wake_model, threshold, settings.wake_refractory_s, self.deps.wake_executor
                )
            return
        self.status.wake = WakeSource.LOCAL
        candidate, connection.pending = connection.pending, None
        await self.start_turn(candidate)

    async def _on_audio(self, connection: Connection, chunk: AudioChunk) -> None:
        fmt = PcmFormat(chunk.rate, chunk.width, chunk.channels)
        if (microphone := self.runner.listening()) is not None:
            await microphone.put(chunk.audio, fmt)
            return
        if connection.wake is None:
            return
        if self.runner.current is None and self.status.follow_up(time.monotonic()) is not None:
            await self.start_turn(None, "follow-up")  # the reply asked a question: no wake word needed
            if (microphone := self.runner.listening()) is not None:
                await microphone.put(chunk.audio, fmt)
            return
        hit = await connection.wake.feed(chunk.audio, fmt)
        if hit is None:
            return
        await self.send(Detection(name=hit.name, timestamp=hit.t_ns // 1_000_000).event())
        await self.start_turn(Candidate(self.name, hit.score, connection.wake.loudness_db, time.monotonic()))

    # -- turns -----------------------------------------------------------------------------

    def _kind(self, candidate: Candidate | None) -> str:
        if self.status.follow_up(time.monotonic()) is not None:
            return "follow-up"
        if self.runner.current is not None:
            return "barge-in"
        return "wake" if candidate is not None else "start"

    async def _conversation(self, kind: str) -> str:
        """Follow-ups and barge-ins continue the conversation; otherwise the satellite's own
        (the same one until it has been idle too long: the runner's policy)."""
        explicit = self.conversation_id if kind in ("follow-up", "barge-in") else None
        self.conversation_id = await self.runner.conversation_id(self.name, explicit)
        return self.conversation_id

    def offer_follow_up(self, seconds: float, heard: asyncio.Future[str] | None = None) -> bool:
        """Speech in the next ``seconds`` is a follow-up (no wake word, same conversation), or,
        with ``heard``, the answer to the house's question; False when a turn already began."""
        offer = self.status.offer_follow_up(time.monotonic() + seconds, heard)
        if offer is None:
            _LOGGER.info("satellite %s: no follow-up, a turn is %s", self.name, self.status.state)
            return False
        # The state's deadline: it ends by itself (a later offer or a turn replaced it otherwise).
        asyncio.get_running_loop().call_later(seconds, self.status.expire, offer)
        return True

    async def start_turn(self, candidate: Candidate | None, kind: str | None = None) -> None:
        """Begin a voice turn now (ending any turn in flight: that is a barge-in)."""
        kind = kind or self._kind(candidate)
        offer = self.status.take_follow_up(kind, time.monotonic())
        await self._end_turn("barge-in" if kind == "barge-in" else "new turn")
        heard = offer.heard if offer is not None else None
        plan = VoiceTurnPlan(
            kind=kind,
            candidate=candidate if kind == "wake" else None,
            conversation=functools.partial(self._conversation, kind),
            arbitrator=self.deps.arbitrator,
            settings=self.deps.settings,
            heard=heard if heard is not None and not heard.done() else None,
        )
        await self.runner.start(
            functools.partial(voice_turn, channel=self, plan=plan),
            info={"satellite": self.name, "trigger": kind},
            microphone=Microphone(self.deps.settings.microphone_chunks),
            label=kind,
        )

    async def announce(self, text: str) -> dict[str, Any]:
        """Speak ``text`` now (ending any turn in flight); returns once it has been played."""
        if self.link is None:
            raise SatelliteGone(f"satellite {self.name} is not connected")
        await self._end_turn("announcement")
        turn = await self.runner.start(
            functools.partial(announcement, channel=self, tts=self.deps.tts, text=text),
            record=False,
            reason="announcement",
            label="announce",
        )
        result: dict[str, Any] = await asyncio.shield(turn.task)
        return result

    async def start_conversation(
        self, text: str, listen_s: float | None = None, heard: asyncio.Future[str] | None = None
    ) -> dict[str, Any]:
        """Speak ``text``, then listen without a wake word (the reply is a normal turn, or with
        ``heard`` only heard); returns once it has been played and the microphone is open."""
        seconds = self.deps.settings.follow_up_s if listen_s is None else listen_s
        result = await self.announce(text)
        # After the announcement's own turn has ended: the satellite's reply starts a new turn at
        # once, which must not cancel the one that offered it.
        await offer_follow_up(self, seconds, heard)
        return result | {"listening_s": seconds}

    async def ask(self, question: str, timeout_s: float) -> str:
        """Ask ``question`` and return what the user answered ("" after silence or ``timeout_s``);
        the answer is not sent to the conversation agent."""
        heard: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout_s):
                listen_s = min(timeout_s, self.deps.settings.follow_up_s)
                await self.start_conversation(question, listen_s=listen_s, heard=heard)
                return await asyncio.shield(heard)
        except TimeoutError:
            return ""
        finally:
            self.status.withdraw(heard)

    async def configure(self, settings: dict[str, float], timeout_s: float = 5.0) -> dict[str, Any]:
        """Change an Aria satellite's wake settings; its status once it applied them."""
        if self.link is None:
            raise SatelliteGone(f"satellite {self.name} is not connected")
        if self.status.reported is None:
            raise SatelliteError(f"satellite {self.name} does not take settings from the server", code="not-configurable")
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._configured = answer
        try:
            await self.send(Event(type=SATELLITE_CONFIG, data=settings))
            async with asyncio.timeout(timeout_s):
                return await answer
        except TimeoutError:
            raise SatelliteError(f"satellite {self.name} did not confirm its settings", code="satellite-timeout") from None
        finally:
            self._configured = None

    async def _end_turn(self, reason: str) -> None:
        current = self.runner.current
        if current is not None and not current.task.done() and "playback_start" in current.spans.marks:
            current.spans.mark("playback_stop")  # barge-in: the satellite stopped playing just now
        await self.runner.cancel(reason)

    def _idle(self) -> None:
        """The turn in flight ended on its own (a follow-up it offered stays open)."""
        if self.connection is not None and self.status.state in TURN_STATES:
            self.to(SatelliteState.IDLE, "turn ended")

    async def _recorded(self, record: dict[str, Any]) -> None:
        """Count the turn, keep it as the satellite's last one, and hand it on (recent turns)."""
        self.status.turns += 1
        self.status.last_turn = record | {"at": time.time()}
        if self.deps.on_turn is not None:
            await self.deps.on_turn(self, record)
