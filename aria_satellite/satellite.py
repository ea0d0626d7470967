"""The satellite as an explicit state machine over injected parts (mic, speaker, wake, link).

Per microphone frame: remove the satellite's own playback (echo canceller), compute the speech
probability and the wake score in one worker thread, then act on the current ``State``:

    WAITING    wake word (or speech with no wake word)      -> start a turn: STREAMING
    STREAMING  send the frame (echo removed) to the server   -> transcript: THINKING
    THINKING   wake word again                               -> a new turn
    SPEAKING   wake word or speech that is not our own echo  -> barge-in: stop playback, new turn

Everything sent to the server goes through one outbox task, in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite, StreamingStarted, StreamingStopped
from wyoming.snd import Played
from wyoming.tts import Synthesize
from wyoming.wake import Detection

from aria_wire.audio import loudness_dbfs
from aria_wire.extensions import PLAYBACK_STARTED, from_aria_server
from aria_wire.reconnect import Backoff, reconnecting
from aria_wire.wake import WakeGate, WakeHit, WakeModel

from .audio import awake_chime, timer_ring
from .echo import EchoCanceller
from .mic import MicFrame, Microphone
from .playback import Player
from .preroll import PreRoll
from .settings import FRAME_MS, MIC_RATE, SatelliteSettings
from .speaker import AudioSink
from .state import State, StateMachine
from .timers import Timers
from .timing import TimingLog
from .vad import SileroSpeech, SpeechOnset

_LOGGER = logging.getLogger(__name__)

ECHO_SHARE_LIMIT = 0.5
"""A frame whose energy is more than this share our own playback is not the user speaking."""


class ServerLink(Protocol):
    """The connection to whichever server currently runs the satellite."""

    @property
    def connected(self) -> bool:
        """True while a server runs the satellite."""
        ...

    async def send(self, event: Event) -> bool:
        """Send to the current server; False when there is none."""
        ...


@dataclass(frozen=True)
class Analysis:
    """What one microphone frame contains, computed off the event loop."""

    residual: bytes
    """the frame with our own playback removed: what the server and the detectors get."""
    echo_share: float
    speech: float
    wake: float


class Satellite:
    """One room device; ``run()`` owns its tasks, servers drive it through ``on_server_event``."""

    def __init__(
        self,
        settings: SatelliteSettings,
        *,
        mic: Microphone,
        speaker: AudioSink,
        wake: WakeModel | None,
        link: ServerLink,
        timing: TimingLog | None = None,
    ) -> None:
        self.settings = settings
        self.mic = mic
        self.wake = wake
        self.link = link
        self.timing = timing or TimingLog(None)
        self.machine = StateMachine(self._on_transition)
        self.echo = EchoCanceller()
        self.speech = SileroSpeech()
        self.player = Player(
            speaker,
            settings.snd.lead_ms,
            on_started=self._on_playback_started,
            on_finished=self._on_playback_finished,
            on_reference=self.echo.add_reference,
        )
        self.gate = WakeGate(wake.name if wake else "", settings.wake.threshold, settings.wake.refractory_s)
        self.onset = SpeechOnset(settings.vad.threshold, settings.vad.start_frames)
        self.preroll = PreRoll(max(settings.vad.preroll_ms, settings.wake.preroll_ms) // FRAME_MS + settings.vad.start_frames)
        self.timers = Timers(self._ring)
        self.turns = 0
        self._outbox: asyncio.Queue[Event] = asyncio.Queue()
        self._analyser = ThreadPoolExecutor(1, thread_name_prefix="satellite-analysis")
        self._mic_wanted = asyncio.Event()
        self._reply: str | None = None
        self._aria_server = False
        """Whether the current server is Aria's (it may be sent Aria-only events)."""
        self._deadline_ns: int | None = None
        self._changed = asyncio.Event()
        self._speech_running = False
        self._speech_reset = False

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
                    reconnecting(self._listen, name="microphone", backoff=Backoff(0.5, 5.0)), name="satellite-microphone"
                )
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
        """One microphone session: started on the first ``run-satellite``, then kept open."""
        await self._mic_wanted.wait()
        await self.mic.start()
        self.timing.write("mic-start")
        loop = asyncio.get_running_loop()
        try:
            async for frame in self.mic.frames():
                if self.state is State.IDLE:
                    continue  # nobody runs us: not worth a model call
                speech, wake = self._detectors_needed()
                analysis = await loop.run_in_executor(self._analyser, self._analyse, frame, speech, wake)
                await self._on_frame(frame, analysis)
        finally:
            await self.mic.close()

    def _detectors_needed(self) -> tuple[bool, bool]:
        """(speech VAD, wake word) for the current state: each model runs only when it decides something.

        The VAD starts turns without a wake word and detects barge-in; the wake word runs
        whenever a new turn may start. Skipping them saves most of an idle satellite's CPU.
        """
        state = self.state
        speech = state is State.SPEAKING or (self.wake is None and state is State.WAITING)
        wake = self.wake is not None and state is not State.STREAMING
        if speech != self._speech_running:
            self._speech_running = speech
            self._speech_reset = True  # the recurrent state is stale after a pause
        return speech, wake

    def _analyse(self, frame: MicFrame, speech: bool, wake: bool) -> Analysis:
        residual, share = self.echo.process(frame.pcm, frame.t_ns)
        if self._speech_reset:
            self._speech_reset = False
            self.speech.reset()
        probability = self.speech.probability(residual) if speech else 0.0
        score = self.wake.process(residual) if wake and self.wake is not None else 0.0
        return Analysis(residual, share, probability, score)

    # -- microphone frames -----------------------------------------------------------------

    async def _on_frame(self, frame: MicFrame, analysis: Analysis) -> None:
        state = self.state
        if state is State.IDLE:
            return
        if state is State.STREAMING:
            self._send(AudioChunk(rate=MIC_RATE, width=2, channels=1, audio=analysis.residual).event())
            if self._deadline_ns is not None and frame.t_ns > self._deadline_ns:
                self._stop_streaming(State.THINKING, "stream time limit")
            return
        self.preroll.push(analysis.residual)
        hit = self.gate.feed(analysis.wake, frame.t_ns) if self.wake is not None else None
        if hit is not None and self.wake is not None:
            self.wake.reset()
        own_echo = analysis.echo_share > ECHO_SHARE_LIMIT
        onset = self.onset.feed(0.0 if own_echo else analysis.speech)
        if state is State.WAITING:
            if hit is not None:
                self._start_turn("wake", hit)
            elif self.wake is None and onset:
                self._start_turn("speech")
        elif state is State.THINKING:
            if hit is not None:
                self._start_turn("wake", hit)
            elif self._deadline_ns is not None and frame.t_ns > self._deadline_ns:
                self.machine.to(State.WAITING, "no reply in time")
        elif state is State.SPEAKING and (hit is not None or (self.settings.barge_in and onset)):
            self.timing.write("barge-in", frame.t_ns, by="wake" if hit else "speech")
            self._start_turn("barge-in", hit)

    # -- turns -----------------------------------------------------------------------------

    def _start_turn(self, reason: str, hit: WakeHit | None = None) -> None:
        """Stream a new turn: detection, run-pipeline, pre-roll, then live audio."""
        if self.state is State.SPEAKING:
            self.player.stop()  # barge-in: silence now; _on_playback_finished reports it
        self._reply = None
        self.turns += 1
        if hit is not None:
            preroll = self.settings.wake.preroll_ms // FRAME_MS
            loudness = loudness_dbfs(b"".join(self.preroll.frames(1000 // FRAME_MS)))
            context = {"score": round(hit.score, 4), "loudness_db": round(loudness, 1)}
            self._send(Detection(name=hit.name, timestamp=hit.t_ns // 1_000_000, context=context).event())
        else:
            preroll = self.settings.vad.preroll_ms // FRAME_MS + self.onset.run_frames
        self._send(
            RunPipeline(
                start_stage=PipelineStage.ASR,
                end_stage=PipelineStage.TTS,
                wake_word_name=hit.name if hit else None,
            ).event(),
            AudioStart(rate=MIC_RATE, width=2, channels=1, timestamp=0).event(),
        )
        for pcm in self.preroll.frames(preroll):
            self._send(AudioChunk(rate=MIC_RATE, width=2, channels=1, audio=pcm).event())
        if self._aria_server:
            # Official satellites send these to their event service only; Home Assistant does not know them.
            self._send(StreamingStarted().event())
        self.preroll.clear()
        self.onset.reset()
        self._deadline_ns = time.monotonic_ns() + int(self.settings.max_stream_s * 1e9)
        self.machine.to(State.STREAMING, reason)
        self.timing.write("streaming-started", reason=reason, turn=self.turns, score=hit.score if hit else None)
        if reason == "wake" and self.settings.chimes:
            self.player.play("chime", awake_chime(self.player.sink.rate), self.player.sink.rate)

    def _stop_streaming(self, next_state: State, reason: str) -> None:
        self._send(AudioStop().event())
        if self._aria_server:
            self._send(StreamingStopped().event())
        self._deadline_ns = time.monotonic_ns() + int(self.settings.reply_timeout_s * 1e9)
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
        self.timing.write("played", completed=completed, turn=self.turns)
        if completed:
            # A stopped reply (barge-in) is not "played": the run-pipeline that follows says it.
            self._send(Played().event())
        if self.state is State.SPEAKING:
            self.machine.to(State.WAITING, "played" if completed else "stopped")

    def _ring(self, timer_id: str) -> None:
        self.timing.write("timer-ring", timer=timer_id)
        self.player.play(f"timer-{timer_id}", timer_ring(self.player.sink.rate), self.player.sink.rate)

    def _on_transition(self, old: State, new: State, reason: str) -> None:
        _LOGGER.info("%s -> %s (%s)", old, new, reason)
        self.timing.write("state", state=str(new), reason=reason)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- events from the server ------------------------------------------------------------

    async def on_server_event(self, event: Event) -> None:
        """React to one event from the current server."""
        if RunSatellite.is_type(event.type):
            self._aria_server = from_aria_server(event)
            self._mic_wanted.set()
            self.machine.to(State.WAITING, "run-satellite")
        elif PauseSatellite.is_type(event.type):
            self._reset("pause-satellite")
        elif Transcript.is_type(event.type):
            self._on_transcript(Transcript.from_event(event).text)
        elif Transcribe.is_type(event.type):
            if self.state in (State.WAITING, State.THINKING) and not self.player.busy:
                self._start_turn("follow-up")
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
                self._stop_streaming(State.WAITING, f"error {error.code}")
            elif self.state is State.THINKING:
                self.machine.to(State.WAITING, f"error {error.code}")
        elif Synthesize.is_type(event.type):
            _LOGGER.debug("reply text: %s", Synthesize.from_event(event).text)
        elif not self.timers.handle(event):
            _LOGGER.debug("event %s from the server", event.type)

    def _on_transcript(self, text: str) -> None:
        self.timing.write("transcript", text=text, turn=self.turns)
        if self.state is State.STREAMING:
            self._stop_streaming(State.THINKING if text.strip() else State.WAITING, "transcript")
        elif self.state is State.THINKING and not text.strip():
            self.machine.to(State.WAITING, "empty transcript")

    def _on_audio_start(self, rate: int) -> None:
        if self.state is State.STREAMING or self.state is State.IDLE:
            # Audio before our transcript belongs to a turn we already left (barge-in).
            _LOGGER.debug("ignoring audio-start while %s", self.state)
            return
        self._reply = f"reply-{self.turns}-{time.monotonic_ns()}"
        self.timing.write("reply-audio-start", turn=self.turns)
        self.player.begin(self._reply, rate)
        self.machine.to(State.SPEAKING, "audio-start")

    async def on_server_lost(self) -> None:
        """The server went away or was replaced: drop this turn entirely."""
        self._aria_server = False  # the next server says who it is in its run-satellite
        self._reset("server lost")

    def _reset(self, reason: str) -> None:
        self._reply = None
        self._deadline_ns = None
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
