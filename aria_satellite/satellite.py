"""The satellite as an explicit state machine over injected parts (mic, speaker, wake, link).

Per microphone frame (``listening.py`` analyses it: echo removed, speech probability, wake
scores), act on the current ``State``:

    WAITING    wake word (or speech with no wake word)      -> start a turn: STREAMING
    STREAMING  send the frame (echo removed) to the server   -> transcript: THINKING
    THINKING   wake word again                               -> a new turn
    SPEAKING   wake word or speech that is not our own echo  -> barge-in: STREAMING, playback stopped

The state drives: every move goes through ``machine.to`` and the table in ``state.py``, and what
a state needs (its deadline, a follow-up to start once the reply has played, whether the server
was lost) is the state's data, gone with it. Entering IDLE drops the turn in progress.
Everything sent to the server goes through one outbox task, in order. The watchdog
(``watchdog.py``) leaves a state in which nothing happens any more; each recovery is counted in
``health`` and reported. Room events (``hooks.py``) follow every transition.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.satellite import PauseSatellite, RunSatellite, StreamingStopped
from wyoming.snd import Played
from wyoming.tts import Synthesize

from aria_wire.audio import loudness_dbfs
from aria_wire.extensions import PLAYBACK_STARTED, SATELLITE_CONFIG, SATELLITE_STATUS, from_aria_server

from .analysis import Analysis, FrameAnalyser
from .audio import awake_chime, timer_ring
from .barge_in import BargeIn
from .control import WakeConfig, listen_seconds
from .echo import EchoCanceller, WebRtcEchoCanceller
from .health import Health
from .hooks import Hooks, RoomEvent, room_event
from .level import LevelMeter
from .listening import Listening
from .mic import MicFrame, Microphone
from .playback import Player
from .preroll import PreRoll
from .settings import FRAME_MS, MIC_RATE, SatelliteSettings
from .speaker import AudioSink
from .state import Idle, Speaking, State, Streaming, Thinking, Timed, Transition, new_machine
from .timers import Timers
from .timing import TimingLog
from .turn_start import turn_start
from .vad import SpeechOnset
from .wake import Detection as WakeDetection
from .wake import WakeWords
from .watchdog import Watchdog

_LOGGER = logging.getLogger(__name__)

class ServerLink(Protocol):
    """The connection to whichever server currently runs the satellite."""

    @property
    def connected(self) -> bool:
        """True while a server runs the satellite."""
        ...

    async def send(self, event: Event) -> bool:
        """Send to the current server; False when there is none."""
        ...


class Satellite:
    """One room device; ``run()`` owns its tasks, servers drive it through ``on_server_event``."""

    def __init__(
        self,
        settings: SatelliteSettings,
        *,
        mic: Microphone,
        speaker: AudioSink,
        wake: WakeWords | None,
        link: ServerLink,
        timing: TimingLog | None = None,
        hooks: Hooks | None = None,
        echo: EchoCanceller | None = None,
    ) -> None:
        self.settings = settings
        self.wake = wake
        self.link = link
        self.timing = timing or TimingLog(None)
        self.hooks = hooks or Hooks()
        self.health = Health()
        self.health.on_change(lambda health: self._report_status("health"))
        self.machine = new_machine(settings.name)
        self.machine.listen(self._on_transition)
        self.echo: EchoCanceller = echo or WebRtcEchoCanceller()
        self.listening = Listening(
            mic, FrameAnalyser(self.echo, wake), stall_s=settings.mic_stall_s, health=self.health,
            timing=self.timing, state=lambda: self.state, on_frame=self._on_frame,
        )
        self.player = Player(
            speaker, settings.snd.lead_ms, on_started=self._on_playback_started, on_finished=self._on_playback_finished,
            on_reference=self.echo.add_reference, on_stall=self._on_speaker_stall,
        )
        self.onset = SpeechOnset(settings.vad.threshold, settings.vad.start_frames)
        self.barge_in = BargeIn()
        self.levels = LevelMeter()
        """recent frame powers: the wake word's level and SNR, sent for arbitration between rooms."""
        self.preroll = PreRoll(max(settings.vad.preroll_ms, settings.wake.preroll_ms) // FRAME_MS + settings.vad.start_frames)
        self.timers = Timers(self._ring)
        self.turns = 0
        self._outbox: asyncio.Queue[Event] = asyncio.Queue()
        self._reply: str | None = None
        """The reply stream the server's audio goes to (None: its audio belongs to no stream)."""
        self._aria_server = False
        """Whether the current server is Aria's (it may be sent Aria-only events)."""
        self._changed = asyncio.Event()
        self.watchdog = Watchdog(self)
        self.playback_listeners: list[Callable[[str, bool], None]] = []
        """Called with ``(stream, completed)`` whenever a reply stream ends, played or stopped
        (barge-in, watchdog, pause): a controller that must report every playback's end listens."""

    @property
    def state(self) -> State:
        """The current state."""
        return self.machine.state

    @property
    def deadline_ns(self) -> int | None:
        """The deadline of the current state (STREAMING, THINKING), monotonic ns; None: none."""
        timed = self.machine.expect(Timed)
        return timed.deadline_ns if timed is not None else None

    # -- tasks -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Play, send and listen until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.player.run(), name="satellite-player")
            group.create_task(self._send_loop(), name="satellite-outbox")
            group.create_task(self.listening.run(), name="satellite-microphone")
            group.create_task(self.watchdog.run(), name="satellite-watchdog")
            group.create_task(self.hooks.run(), name="satellite-hooks")

    async def _send_loop(self) -> None:
        while True:
            event = await self._outbox.get()
            await self.link.send(event)

    def _send(self, *events: Event) -> None:
        for event in events:
            self._outbox.put_nowait(event)

    # -- microphone frames -----------------------------------------------------------------

    async def _on_frame(self, frame: MicFrame, analysis: Analysis) -> None:
        state = self.state
        if state is State.IDLE:
            return
        if state is State.STREAMING:
            self._send(AudioChunk(rate=MIC_RATE, width=2, channels=1, audio=analysis.residual).event())
            if self.deadline_ns is not None and frame.t_ns > self.deadline_ns:
                self.stop_streaming(State.THINKING, "stream time limit")
            return
        self.preroll.push(analysis.residual)
        self.levels.push(analysis.residual)
        hit = self.wake.detect(analysis.wake, frame.t_ns) if self.wake is not None and analysis.wake else None
        onset = self.onset.feed(0.0 if BargeIn.own_echo(analysis) else analysis.speech)
        barge = self.barge_in.feed(analysis, onset, speaking=state is State.SPEAKING)
        if state is State.WAITING:
            if hit is not None:
                self._start_turn("wake", hit)
            elif self.wake is None and onset:
                self._start_turn("speech")
        elif state is State.THINKING:
            if hit is not None:
                self._start_turn("wake", hit)
        elif state is State.SPEAKING and (hit is not None or (self.settings.barge_in and barge)):
            self.timing.write("barge-in", frame.t_ns, by="wake" if hit else barge, echo_share=round(analysis.echo_share, 3),
                              near_end=analysis.near_end)
            self._start_turn("barge-in", hit)

    # -- turns -----------------------------------------------------------------------------

    def _start_turn(self, reason: str, detection: WakeDetection | None = None, stream_s: float | None = None) -> None:
        """Stream a new turn: detection, run-pipeline, pre-roll, then live audio."""
        barge_in = self.state is State.SPEAKING and reason != "follow-up"  # a follow-up's reply has ended
        self._reply = None
        self.turns += 1
        hit = detection.hit if detection is not None else None
        if detection is not None:
            preroll = self.settings.wake.preroll_ms // FRAME_MS
            self.hooks.emit(RoomEvent.WAKE_DETECTED, name=detection.hit.name, score=round(detection.hit.score, 4),
                            pipeline=detection.pipeline)
        else:
            preroll = self.settings.vad.preroll_ms // FRAME_MS + self.onset.run_frames
        loudness = loudness_dbfs(b"".join(self.preroll.frames(1000 // FRAME_MS)))
        level = self.levels.at_wake() if detection is not None else None
        self._send(*turn_start(detection, self.preroll.frames(preroll), loudness, level, aria_server=self._aria_server))
        self.preroll.clear()
        self.onset.reset()
        limit_s = min(stream_s, self.settings.max_stream_s) if stream_s else self.settings.max_stream_s
        self.machine.to(State.STREAMING, reason, Streaming(time.monotonic_ns() + int(limit_s * 1e9), reason))
        if barge_in:
            self.player.stop()  # silence now; the reply is reported stopped (_on_playback_finished)
        self.timing.write("streaming-started", reason=reason, turn=self.turns, score=hit.score if hit else None)
        if reason == "wake" and self.settings.chimes:
            self.player.play("chime", awake_chime(self.player.sink.rate), self.player.sink.rate)

    def stop_streaming(self, next_state: State, reason: str) -> None:
        """End the turn's audio; THINKING waits for the reply until the reply timeout."""
        self._send(AudioStop().event())
        if self._aria_server:
            self._send(StreamingStopped().event())
        deadline = Thinking(time.monotonic_ns() + int(self.settings.reply_timeout_s * 1e9))
        self.machine.to(next_state, reason, deadline if next_state is State.THINKING else None)
        self.timing.write("streaming-stopped", reason=reason, turn=self.turns)

    # -- playback callbacks (from the player task) ----------------------------------------------

    def _on_playback_started(self, stream: str, t_ns: int) -> None:
        if stream.startswith("reply"):
            self.timing.write("playback-started", t_ns, turn=_turn_of(stream))
            if self._aria_server:  # an Aria-only event (aria_wire.extensions)
                self._send(Event(type=PLAYBACK_STARTED, data={"timestamp": t_ns // 1_000_000}))

    def _on_playback_finished(self, stream: str, completed: bool) -> None:
        if not stream.startswith("reply"):
            return
        for listener in self.playback_listeners:
            listener(stream, completed)
        self.timing.write("played", completed=completed, turn=_turn_of(stream))  # its own: a barge-in counted the next
        if completed:
            # A stopped reply (barge-in) is not "played": the run-pipeline that follows says it.
            self._send(Played().event())
        if self.state is not State.SPEAKING:
            return  # a barge-in, the watchdog or a pause already left SPEAKING
        speaking = self.machine.expect(Speaking)
        if completed and speaking is not None and speaking.listen_after_s is not None:
            self._start_turn("follow-up", stream_s=speaking.listen_after_s or None)
        else:
            self.machine.to(State.WAITING, "played" if completed else "stopped")

    def _on_speaker_stall(self, error: str) -> None:
        self.timing.write("speaker-stalled", error=error, pid=getattr(self.player.sink, "pid", None))
        self.health.fault("speaker_restarts", error)

    def _ring(self, timer_id: str) -> None:
        self.timing.write("timer-ring", timer=timer_id)
        self.hooks.emit(RoomEvent.TIMER_RINGING, timer=timer_id)
        self.player.play(f"timer-{timer_id}", timer_ring(self.player.sink.rate), self.player.sink.rate)

    def _on_transition(self, change: Transition[State]) -> None:
        old, new, reason = change.old, change.new, change.reason
        _LOGGER.info("%s -> %s (%s)", old, new, reason)
        self.timing.write("state", state=str(new), reason=reason)
        self.watchdog.entered(new)
        if new is State.IDLE:
            self._drop_turn()
        if (room := room_event(old, new, reason)) is not None:
            self.hooks.emit(room, reason=reason, turn=self.turns)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def status(self) -> dict[str, object]:
        """State, wake settings and self-healing counters (JSON-ready)."""
        wake = None
        if self.wake is not None:
            wake = {"words": self.wake.names, "thresholds": self.wake.thresholds, "refractory_s": self.wake.refractory_s}
        return {"name": self.settings.name, "state": str(self.state), "turns": self.turns, "wake": wake,
                "health": self.health.snapshot()}

    def _report_status(self, reason: str) -> None:
        status = self.status()
        self.timing.write("status", reason=reason, **status)
        self.hooks.emit(RoomEvent.STATUS, reason=reason, **status)
        if self.link.connected and self._aria_server:  # an Aria-only event (aria_wire.extensions)
            self._send(Event(type=SATELLITE_STATUS, data=status))

    # -- events from the server ------------------------------------------------------------

    async def on_server_event(self, event: Event) -> None:
        """React to one event from the current server."""
        if RunSatellite.is_type(event.type):
            self._on_run_satellite(from_aria_server(event))
        elif event.type == SATELLITE_CONFIG:
            self._configure(event.data or {})
        elif PauseSatellite.is_type(event.type):
            self._stand_by("pause-satellite")
        elif Transcript.is_type(event.type):
            self._on_transcript(Transcript.from_event(event).text)
        elif Transcribe.is_type(event.type):
            self._on_transcribe(Transcribe.from_event(event))
        elif AudioStart.is_type(event.type):
            self._on_audio_start(AudioStart.from_event(event).rate)
        elif AudioChunk.is_type(event.type):
            if self._reply is not None:
                self.player.feed(self._reply, AudioChunk.from_event(event).audio)
        elif AudioStop.is_type(event.type):
            if self._reply is not None:
                self.player.end(self._reply)
                self._reply = None
        elif Error.is_type(event.type):
            self._on_error(Error.from_event(event))
        elif Synthesize.is_type(event.type):
            _LOGGER.debug("reply text: %s", Synthesize.from_event(event).text)
        elif not self.timers.handle(event):
            _LOGGER.debug("event %s from the server", event.type)

    def _on_run_satellite(self, aria_server: bool) -> None:
        self._aria_server = aria_server
        self.listening.wanted.set()
        idle = self.machine.expect(Idle)
        self.machine.to(State.WAITING, "run-satellite")
        if idle is not None and idle.lost:
            self.health.count("server_recoveries")
        else:
            self._report_status("run-satellite")

    def _on_error(self, error: Error) -> None:
        _LOGGER.info("server error %s: %s", error.code, error.text)
        if self.state is State.STREAMING:
            self.stop_streaming(State.WAITING, f"error {error.code}")
        elif self.state is State.THINKING:
            self.machine.to(State.WAITING, f"error {error.code}")
        else:
            self.hooks.emit(RoomEvent.ERROR, code=error.code, text=error.text)

    def _on_transcribe(self, transcribe: Transcribe) -> None:
        """The server asks us to listen without a wake word (a follow-up, or a question it asked)."""
        stream_s = listen_seconds(transcribe.context)
        if self.state is State.SPEAKING:
            # Still speaking the question: SPEAKING carries the follow-up until it has been played.
            self.machine.to(State.SPEAKING, "transcribe", Speaking(listen_after_s=stream_s or 0.0))
        elif self.state in (State.WAITING, State.THINKING):
            self._start_turn("follow-up", stream_s=stream_s)

    def _configure(self, data: dict[str, object]) -> None:
        """Apply the server's per-satellite settings; the status that follows shows the result."""
        try:
            config = WakeConfig.from_data(data)
            if self.wake is not None:
                self.wake.configure(config.threshold, config.refractory_s)
        except (TypeError, ValueError) as err:
            _LOGGER.warning("satellite-config refused: %s", err)
            self._send(Error(text=str(err), code="bad-config").event())
        self._report_status("config")

    def _on_transcript(self, text: str) -> None:
        self.timing.write("transcript", text=text, turn=self.turns)
        self.hooks.emit(RoomEvent.THINKING if text.strip() else RoomEvent.DONE, heard=text, turn=self.turns)
        if self.state is State.STREAMING:
            self.stop_streaming(State.THINKING if text.strip() else State.WAITING, "transcript")
        elif self.state is State.THINKING and not text.strip():
            self.machine.to(State.WAITING, "empty transcript")

    def _on_audio_start(self, rate: int) -> None:
        if self.state is State.STREAMING or self.state is State.IDLE:
            # Audio before our transcript belongs to a turn we already left (barge-in).
            _LOGGER.debug("ignoring audio-start while %s", self.state)
            return
        if self.state is State.WAITING and self.settings.announce_chime and self.settings.chimes:
            # Audio outside a turn is an announcement: the chime says something is coming.
            self.player.play("chime", awake_chime(self.player.sink.rate), self.player.sink.rate)
        self._reply = f"reply-{self.turns}-{time.monotonic_ns()}"
        self.timing.write("reply-audio-start", turn=self.turns)
        self.player.begin(self._reply, rate)
        self.machine.to(State.SPEAKING, "audio-start")  # entered: no follow-up yet; kept: its follow-up stays

    async def on_server_lost(self) -> None:
        """The server went away or was replaced: drop this turn entirely (it reconnects by itself)."""
        self._aria_server = False  # the next server says who it is in its run-satellite
        lost = self.state is not State.IDLE
        if lost:
            self.health.count("server_losses")
        self._stand_by("server lost", lost)

    def _stand_by(self, reason: str, lost: bool = False) -> None:
        """Go IDLE (entering it drops the turn); already IDLE: drop whatever is still queued.
        ``lost``: the server went away; IDLE says so until the next run-satellite counts a recovery."""
        idle = self.machine.expect(Idle)
        if not self.machine.to(State.IDLE, reason, Idle(lost=lost or (idle is not None and idle.lost))):
            self._drop_turn()

    def _drop_turn(self) -> None:
        """Nothing of the turn in progress may play on, or reach the next server."""
        self._reply = None
        self.player.stop()
        while not self._outbox.empty():
            self._outbox.get_nowait()
        self.preroll.clear()
        self.onset.reset()

    async def wait_for(self, state: State) -> None:
        """Return once the satellite is in ``state`` (for tests and embedding)."""
        while self.state is not state:
            await self._changed.wait()


def _turn_of(stream: str) -> int:
    """The turn a reply stream (``reply-TURN-NS``) belongs to."""
    return int(stream.split("-")[1])
