"""The satellite as an explicit state machine over injected parts (mic, speaker, wake, link).

Per microphone frame: remove the satellite's own playback (echo canceller), compute the speech
probability and the wake score in one worker thread, then act on the current ``State``:

    WAITING    wake word (or speech with no wake word)      -> start a turn: STREAMING
    STREAMING  send the frame (echo removed) to the server   -> transcript: THINKING
    THINKING   wake word again                               -> a new turn
    SPEAKING   wake word or speech that is not our own echo  -> barge-in: stop playback, new turn

Everything sent to the server goes through one outbox task, in order. The watchdog
(``watchdog.py``) restarts a microphone that stops delivering frames and leaves a state in
which nothing happens any more; each recovery is counted in ``health`` and reported. Room
events (``hooks.py``) follow every transition.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import (
    PauseSatellite,
    RunSatellite,
    StreamingStarted,
    StreamingStopped,
)
from wyoming.snd import Played
from wyoming.tts import Synthesize
from wyoming.wake import Detection

from aria_wire.audio import loudness_dbfs
from aria_wire.extensions import (
    PIPELINE_KEY,
    PLAYBACK_STARTED,
    SATELLITE_CONFIG,
    SATELLITE_STATUS,
    from_aria_server,
)
from aria_wire.reconnect import Backoff, reconnecting

from .analysis import Analysis, FrameAnalyser
from .audio import awake_chime, timer_ring
from .barge_in import BargeIn
from .control import WakeConfig, listen_seconds
from .echo import EchoCanceller, WebRtcEchoCanceller
from .health import Health
from .hooks import Hooks, RoomEvent
from .level import LevelMeter
from .mic import MicFrame, Microphone, MicStalled
from .playback import Player
from .preroll import PreRoll
from .settings import FRAME_MS, MIC_RATE, SatelliteSettings
from .speaker import AudioSink
from .state import State, StateMachine
from .timers import Timers
from .timing import TimingLog
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
        self.mic = mic
        self.wake = wake
        self.link = link
        self.timing = timing or TimingLog(None)
        self.hooks = hooks or Hooks()
        self.health = Health()
        self.health.on_change(lambda health: self._report_status("health"))
        self.machine = StateMachine(self._on_transition)
        self.echo: EchoCanceller = echo or WebRtcEchoCanceller()
        self.analyser = FrameAnalyser(self.echo, wake)
        self.player = Player(
            speaker,
            settings.snd.lead_ms,
            on_started=self._on_playback_started,
            on_finished=self._on_playback_finished,
            on_reference=self.echo.add_reference,
            on_stall=self._on_speaker_stall,
        )
        self.onset = SpeechOnset(settings.vad.threshold, settings.vad.start_frames)
        self.barge_in = BargeIn()
        self.levels = LevelMeter()
        """recent frame powers: the wake word's level and SNR, sent for arbitration between rooms."""
        self.preroll = PreRoll(max(settings.vad.preroll_ms, settings.wake.preroll_ms) // FRAME_MS + settings.vad.start_frames)
        self.timers = Timers(self._ring)
        self.turns = 0
        self._outbox: asyncio.Queue[Event] = asyncio.Queue()
        self._analyser = ThreadPoolExecutor(1, thread_name_prefix="satellite-analysis")
        self._mic_wanted = asyncio.Event()
        self._reply: str | None = None
        self._aria_server = False
        """Whether the current server is Aria's (it may be sent Aria-only events)."""
        self.deadline_ns: int | None = None
        self._changed = asyncio.Event()
        self._listen_after_playback: float | None = None
        """seconds of a follow-up the server asked for while we were still speaking."""
        self._server_lost = False
        self._mic_sessions = 0
        self._frames_session = 0
        self.last_frame_ns = 0
        """monotonic time the latest microphone frame arrived (the watchdog reads it)."""
        self.watchdog = Watchdog(self)
        self.playback_listeners: list[Callable[[str, bool], None]] = []
        """Called with ``(stream, completed)`` whenever a reply stream ends, played or stopped
        (barge-in, watchdog, reset): a controller that must report every playback's end listens."""

    @property
    def state(self) -> State:
        """The current state."""
        return self.machine.state

    # -- tasks -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Play, send and listen until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.player.run(), name="satellite-player")
                group.create_task(self._send_loop(), name="satellite-outbox")
                group.create_task(
                    reconnecting(self._listen, name="microphone", backoff=Backoff(0.2, 5.0)), name="satellite-microphone"
                )
                group.create_task(self.watchdog.run(), name="satellite-watchdog")
                group.create_task(self.hooks.run(), name="satellite-hooks")
        finally:
            self._analyser.shutdown(wait=False, cancel_futures=True)

    async def _send_loop(self) -> None:
        while True:
            event = await self._outbox.get()
            await self.link.send(event)

    def _send(self, *events: Event) -> None:
        for event in events:
            self._outbox.put_nowait(event)

    async def _listen(self) -> None:
        """One microphone session: started on the first ``run-satellite``, then kept open.

        A session ends when the source dies, or stalls (no frame within ``mic_stall_s``: a
        frozen ``arecord``, an unplugged device); the reconnect loop then starts a new one.
        """
        await self._mic_wanted.wait()
        self._mic_sessions += 1
        sessions = self._mic_sessions
        if sessions > 1:
            self.health.count("mic_restarts")
        await self.mic.start()
        self.timing.write("mic-start", session=sessions, pid=getattr(self.mic, "pid", None))
        loop = asyncio.get_running_loop()
        frames = aiter(self.mic.frames())
        try:
            while True:
                try:
                    async with asyncio.timeout(self.settings.mic_stall_s):
                        frame = await anext(frames)
                except TimeoutError:
                    self.health.fault("mic_stalls", f"no microphone audio for {self.settings.mic_stall_s:.1f} s")
                    self.timing.write("mic-stalled")
                    raise MicStalled(f"no microphone audio for {self.settings.mic_stall_s:.1f} s") from None
                except OSError as err:
                    self.health.fault("mic_stalls", f"microphone failed: {err}")
                    self.timing.write("mic-failed", error=str(err))
                    raise
                if not self.last_frame_ns or self._frames_session != sessions:
                    self._frames_session = sessions
                    self.timing.write("mic-frames", session=sessions)  # this session delivers audio
                self.last_frame_ns = time.monotonic_ns()
                if self.state is State.IDLE:
                    continue  # nobody runs us: not worth a model call
                plan = self.analyser.plan(self.state)
                try:
                    analysis = await loop.run_in_executor(self._analyser, self.analyser.analyse, frame, plan)
                except Exception as err:  # a model failed on this frame: fresh models, keep listening
                    _LOGGER.exception("analysis failed")
                    self.health.fault("wake_reloads", f"analysis failed: {err!r}")
                    if self.wake is not None:
                        self.wake.reset()
                    continue
                await self._on_frame(frame, analysis)
        finally:
            await self.mic.close()

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
        if self.state is State.SPEAKING:
            self.player.stop()  # barge-in: silence now; _on_playback_finished reports it
        self._reply = None
        self._listen_after_playback = None
        self.turns += 1
        hit = detection.hit if detection is not None else None
        pipeline = detection.pipeline if detection is not None else None
        if hit is not None:
            preroll = self.settings.wake.preroll_ms // FRAME_MS
            loudness = loudness_dbfs(b"".join(self.preroll.frames(1000 // FRAME_MS)))
            # Aria's server ranks rooms by the word's SNR and level (level.py); score and loudness
            # stay for servers that rank by them. 3 decimals: microWakeWord scores are means of 5
            # uint8 outputs (steps of 1/1280).
            context: dict[str, object] = {"score": round(hit.score, 3), "loudness_db": round(loudness, 1)}
            if (level := self.levels.at_wake()) is not None:
                context.update(level.context())
            if pipeline is not None:
                context[PIPELINE_KEY] = pipeline
            self._send(Detection(name=hit.name, timestamp=hit.t_ns // 1_000_000, context=context).event())
            self.hooks.emit(RoomEvent.WAKE_DETECTED, name=hit.name, score=round(hit.score, 4), pipeline=pipeline)
        else:
            preroll = self.settings.vad.preroll_ms // FRAME_MS + self.onset.run_frames
        run = RunPipeline(
            start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS, wake_word_name=hit.name if hit else None
        ).event()
        if pipeline is not None:
            # Not a field of the protocol: servers that do not know it ignore it (Aria picks the setting).
            run.data[PIPELINE_KEY] = pipeline
        self._send(run, AudioStart(rate=MIC_RATE, width=2, channels=1, timestamp=0).event())
        for pcm in self.preroll.frames(preroll):
            self._send(AudioChunk(rate=MIC_RATE, width=2, channels=1, audio=pcm).event())
        if self._aria_server:
            # Official satellites send these to their event service only; Home Assistant does not know them.
            self._send(StreamingStarted().event())
        self.preroll.clear()
        self.onset.reset()
        limit_s = min(stream_s, self.settings.max_stream_s) if stream_s else self.settings.max_stream_s
        self.deadline_ns = time.monotonic_ns() + int(limit_s * 1e9)
        self.machine.to(State.STREAMING, reason)
        self.timing.write("streaming-started", reason=reason, turn=self.turns, score=hit.score if hit else None)
        if reason == "wake" and self.settings.chimes:
            self.player.play("chime", awake_chime(self.player.sink.rate), self.player.sink.rate)

    def stop_streaming(self, next_state: State, reason: str) -> None:
        self._send(AudioStop().event())
        if self._aria_server:
            self._send(StreamingStopped().event())
        self.deadline_ns = time.monotonic_ns() + int(self.settings.reply_timeout_s * 1e9)
        self.machine.to(next_state, reason)
        self.timing.write("streaming-stopped", reason=reason, turn=self.turns)

    # -- playback callbacks (from the player task) ----------------------------------------------

    def _on_playback_started(self, stream: str, t_ns: int) -> None:
        if stream.startswith("reply"):
            self.timing.write("playback-started", t_ns, turn=self.turns)
            if self._aria_server:  # an Aria-only event (aria_wire.extensions)
                self._send(Event(type=PLAYBACK_STARTED, data={"timestamp": t_ns // 1_000_000}))

    def _on_playback_finished(self, stream: str, completed: bool) -> None:
        if not stream.startswith("reply"):
            return
        for listener in self.playback_listeners:
            listener(stream, completed)
        self.timing.write("played", completed=completed, turn=self.turns)
        if completed:
            # A stopped reply (barge-in) is not "played": the run-pipeline that follows says it.
            self._send(Played().event())
        if self.state is State.SPEAKING:
            self.machine.to(State.WAITING, "played" if completed else "stopped")
            if completed and self._listen_after_playback is not None:
                seconds, self._listen_after_playback = self._listen_after_playback, None
                self._start_turn("follow-up", stream_s=seconds or None)

    def _on_speaker_stall(self, error: str) -> None:
        self.timing.write("speaker-stalled", error=error, pid=getattr(self.player.sink, "pid", None))
        self.health.fault("speaker_restarts", error)

    def _ring(self, timer_id: str) -> None:
        self.timing.write("timer-ring", timer=timer_id)
        self.hooks.emit(RoomEvent.TIMER_RINGING, timer=timer_id)
        self.player.play(f"timer-{timer_id}", timer_ring(self.player.sink.rate), self.player.sink.rate)

    def _on_transition(self, old: State, new: State, reason: str) -> None:
        _LOGGER.info("%s -> %s (%s)", old, new, reason)
        self.timing.write("state", state=str(new), reason=reason)
        self.watchdog.entered(new)
        room = _ROOM_EVENTS.get(new)
        if new is State.WAITING and old is not State.IDLE:
            room = RoomEvent.ERROR if reason.startswith(("error", "stuck")) else RoomEvent.DONE
        if room is not None:
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
            self._aria_server = from_aria_server(event)
            self._mic_wanted.set()
            self.machine.to(State.WAITING, "run-satellite")
            if self._server_lost:
                self._server_lost = False
                self.health.count("server_recoveries")
            else:
                self._report_status("run-satellite")
        elif event.type == SATELLITE_CONFIG:
            self._configure(event.data or {})
        elif PauseSatellite.is_type(event.type):
            self._reset("pause-satellite")
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
            error = Error.from_event(event)
            _LOGGER.info("server error %s: %s", error.code, error.text)
            if self.state is State.STREAMING:
                self.stop_streaming(State.WAITING, f"error {error.code}")
            elif self.state is State.THINKING:
                self.machine.to(State.WAITING, f"error {error.code}")
            else:
                self.hooks.emit(RoomEvent.ERROR, code=error.code, text=error.text)
        elif Synthesize.is_type(event.type):
            _LOGGER.debug("reply text: %s", Synthesize.from_event(event).text)
        elif not self.timers.handle(event):
            _LOGGER.debug("event %s from the server", event.type)

    def _on_transcribe(self, transcribe: Transcribe) -> None:
        """The server asks us to listen without a wake word (a follow-up, or a question it asked)."""
        stream_s = listen_seconds(transcribe.context)
        if self.state is State.SPEAKING or self.player.busy:
            # Still speaking the question: listen as soon as it has been played (not before, or
            # the microphone would send our own voice).
            self._listen_after_playback = stream_s or 0.0
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
        self.machine.to(State.SPEAKING, "audio-start")

    async def on_server_lost(self) -> None:
        """The server went away or was replaced: drop this turn entirely (it reconnects by itself)."""
        self._aria_server = False  # the next server says who it is in its run-satellite
        if self.state is not State.IDLE:
            self._server_lost = True
            self.health.count("server_losses")
        self._reset("server lost")

    def _reset(self, reason: str) -> None:
        self._reply = None
        self.deadline_ns = None
        self._listen_after_playback = None
        self.player.stop()
        while not self._outbox.empty():  # nothing of this turn may reach the next server
            self._outbox.get_nowait()
        self.preroll.clear()
        self.onset.reset()
        if self.state is not State.IDLE:
            self.machine.to(State.IDLE, reason)

    async def wait_for(self, state: State) -> None:
        """Return once the satellite is in ``state`` (for tests and embedding)."""
        while self.state is not state:
            await self._changed.wait()


_ROOM_EVENTS = {State.STREAMING: RoomEvent.LISTENING, State.SPEAKING: RoomEvent.SPEAKING}
"""Room events of entering a state (THINKING's comes with the transcript, WAITING's depends on why)."""
