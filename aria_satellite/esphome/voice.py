"""Home Assistant's side of the satellite: voice turns, announcements, timers, media, wake words.

``VoiceBridge`` is the ESPHome controller of ``aria_satellite.controllers``: it translates
between the satellite's events (the same Wyoming events its Wyoming server carries) and the
ESPHome voice-assistant messages of the subscribed Home Assistant connection::

    satellite                          Home Assistant
    detection + run-pipeline   ->      VoiceAssistantRequest(start, wake_word_phrase)
                               <-      VoiceAssistantResponse(port=0: audio over the API)
    audio-chunk ... audio-stop ->      VoiceAssistantAudio(data) ... (end)
    transcript                 <-      event STT_END {text}
    error / back to waiting    <-      event ERROR, or RUN_END with nothing to say
    reply audio (fetched URL)  <-      event TTS_END {url} (or INTENT_PROGRESS tts_start_streaming
                                       with RUN_START's url: early TTS)
    every playback's end       ->      VoiceAssistantAnnounceFinished (played, stopped or failed)
    transcribe (listen again)  <-      INTENT_END continue_conversation, announce start_conversation
    timer-started ... finished <-      VoiceAssistantTimerEventResponse (a finished timer rings)

Only the subscribed connection (the latest ``SubscribeVoiceAssistantRequest``) is heard on
voice messages; it runs the satellite from its subscription until it unsubscribes or goes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aioesphomeapi import api_pb2
from wyoming.asr import Transcribe, Transcript
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated

from ..controllers import Controller, Controllers
from .messages import Message
from .playback import Kind, Playback, Playbacks

_LOGGER = logging.getLogger(__name__)

MAX_EARLY_AUDIO_BYTES = 16_000 * 2 * 5
"""Audio kept while Home Assistant has not yet answered the turn's request (5 s); more is dropped."""
RESPONSE_TIMEOUT_S = 10.0
"""How long Home Assistant may take to accept a turn before the satellite gives up, s."""


class Subscriber(Protocol):
    """The connection Home Assistant subscribed on."""

    def send_nowait(self, *messages: Message) -> None:
        """Queue messages on the connection, in order (never blocks)."""
        ...


def wake_word_phrase(model: str) -> str:
    """What Home Assistant shows and matches pipelines on: ``okay_nabu`` -> ``Okay Nabu``."""
    stem = model.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return " ".join(part.capitalize() for part in stem.replace("-", "_").split("_") if part)


@dataclass
class _Turn:
    """One voice turn of Home Assistant's (thrown away with the turn)."""

    accepted: bool = False
    early: list[bytes] = field(default_factory=list)
    early_bytes: int = 0
    ended: bool = False
    tts_url: str | None = None
    """RUN_START's URL (the reply, streamed as it is made: early TTS)."""
    reply_started: bool = False
    reply_played: bool = False
    """the reply played to its end (with early TTS that may be before INTENT_END says continue)."""
    continue_conversation: bool = False
    response_timer: asyncio.TimerHandle | None = None


class VoiceBridge:
    """The ESPHome controller; ``run()`` owns its tasks."""

    def __init__(self, controllers: Controllers, playbacks_factory: Callable[[VoiceBridge], Playbacks]) -> None:
        self.controllers = controllers
        self.subscriber: Subscriber | None = None
        self.playbacks = playbacks_factory(self)
        self.conversation_id = ""
        self.on_media_state: Callable[[bool], None] = lambda playing: None
        """Told when media-player playback starts (True) and ends (False)."""
        self._turn: _Turn | None = None
        self._inbox: asyncio.Queue[Event] = asyncio.Queue()

    # -- ControllerLink ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a Home Assistant connection is subscribed to the voice assistant."""
        return self.subscriber is not None

    async def send(self, event: Event) -> bool:
        """An event of the satellite, during Home Assistant's turn or playback."""
        subscriber = self.subscriber
        if subscriber is None:
            return False
        turn = self._turn
        if RunPipeline.is_type(event.type):
            self._start_turn(subscriber, RunPipeline.from_event(event).wake_word_name)
        elif event.type == "audio-chunk" and turn is not None and not turn.ended:
            audio = event.payload or b""
            if turn.accepted:
                subscriber.send_nowait(api_pb2.VoiceAssistantAudio(data=audio))
            elif turn.early_bytes + len(audio) <= MAX_EARLY_AUDIO_BYTES:
                turn.early.append(audio)
                turn.early_bytes += len(audio)
        elif event.type == "audio-stop" and turn is not None and not turn.ended:
            turn.ended = True
            if turn.accepted:
                subscriber.send_nowait(api_pb2.VoiceAssistantAudio(end=True))
        return True

    def _start_turn(self, subscriber: Subscriber, wake_word: str | None) -> None:
        self.playbacks.stop()  # a reply or announcement still playing was interrupted (barge-in)
        follow_up = wake_word is None and self._turn is not None and self._turn.continue_conversation
        self._close_turn()
        turn = self._turn = _Turn()
        turn.response_timer = asyncio.get_running_loop().call_later(RESPONSE_TIMEOUT_S, self._no_response, turn)
        subscriber.send_nowait(
            api_pb2.VoiceAssistantRequest(
                start=True,
                conversation_id=self.conversation_id if follow_up else "",
                flags=api_pb2.VOICE_ASSISTANT_REQUEST_NONE,
                wake_word_phrase=wake_word_phrase(wake_word) if wake_word else "",
            )
        )

    def _close_turn(self) -> None:
        if self._turn is not None and self._turn.response_timer is not None:
            self._turn.response_timer.cancel()
        self._turn = None

    def _no_response(self, turn: _Turn) -> None:
        if self._turn is turn and not turn.accepted:
            _LOGGER.warning("Home Assistant did not accept the turn within %.0f s", RESPONSE_TIMEOUT_S)
            self._to_satellite(Error(text="Home Assistant did not answer", code="no-response").event())
            self._close_turn()

    # -- messages from Home Assistant ----------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, subscribe: bool) -> None:
        """``SubscribeVoiceAssistantRequest``: this connection runs the satellite (or stops)."""
        if subscribe:
            previous, self.subscriber = self.subscriber, subscriber
            if previous is None:
                self._to_satellite(RunSatellite().event())
        elif self.subscriber is subscriber:
            self.unsubscribe()

    def unsubscribe(self) -> None:
        """The subscribed connection left: Home Assistant's turn and playbacks end."""
        self.subscriber = None
        self._close_turn()
        self.playbacks.stop(speaker=True)
        self._inbox.put_nowait(_LOST)

    def on_response(self, message: Message) -> None:
        """``VoiceAssistantResponse``: Home Assistant accepted (audio over the API) or refused."""
        turn, subscriber = self._turn, self.subscriber
        if turn is None or subscriber is None or turn.accepted:
            return
        if message.error:
            self._to_satellite(Error(text="Home Assistant refused the turn", code="refused").event())
            self._close_turn()
            return
        turn.accepted = True
        if turn.response_timer is not None:
            turn.response_timer.cancel()
        if turn.early:
            subscriber.send_nowait(*(api_pb2.VoiceAssistantAudio(data=chunk) for chunk in turn.early))
            turn.early.clear()
        if turn.ended:
            subscriber.send_nowait(api_pb2.VoiceAssistantAudio(end=True))

    def on_event(self, message: Message) -> None:
        """``VoiceAssistantEventResponse``: one pipeline event of the turn."""
        data = {item.name: item.value for item in message.data}
        kind = message.event_type
        turn = self._turn
        if turn is None:
            return
        if kind == api_pb2.VOICE_ASSISTANT_RUN_START:
            turn.tts_url = data.get("url") or None
        elif kind == api_pb2.VOICE_ASSISTANT_STT_END:
            self._to_satellite(Transcript(text=data.get("text", "")).event())
        elif kind == getattr(api_pb2, "VOICE_ASSISTANT_INTENT_PROGRESS", -1):
            if data.get("tts_start_streaming") == "1" and turn.tts_url:
                self._reply(turn, turn.tts_url)
        elif kind == api_pb2.VOICE_ASSISTANT_INTENT_END:
            turn.continue_conversation = data.get("continue_conversation") == "1"
            self.conversation_id = data.get("conversation_id", self.conversation_id)
            if turn.continue_conversation and turn.reply_played:
                self._to_satellite(Transcribe().event())  # an early-TTS reply already played
        elif kind == api_pb2.VOICE_ASSISTANT_TTS_END:
            if data.get("url"):
                self._reply(turn, data["url"])
        elif kind == api_pb2.VOICE_ASSISTANT_ERROR:
            code = data.get("code", "error")
            _LOGGER.info("Home Assistant's pipeline failed: %s %s", code, data.get("message", ""))
            self._to_satellite(Error(text=data.get("message", code), code=code).event())
        elif kind == api_pb2.VOICE_ASSISTANT_RUN_END and not turn.reply_started:
            self._to_satellite(Transcript(text="").event())  # nothing to say: back to waiting

    def _reply(self, turn: _Turn, url: str) -> None:
        if turn.reply_started:
            return
        turn.reply_started = True
        self.playbacks.play(Playback(Kind.REPLY, url))

    def announce(self, message: Message) -> None:
        """``VoiceAssistantAnnounceRequest``: play (chime first), maybe listen after."""
        self._close_turn()  # a conversation it starts is a new one, not the last turn's
        playback = Playback(
            Kind.ANNOUNCE, message.media_id, preannounce_url=message.preannounce_media_id or None,
            listen_after=message.start_conversation,
        )
        self.play(playback)

    def play(self, playback: Playback) -> None:
        """Queue a playback of Home Assistant's, or refuse it while the other controller has a turn."""
        if not self.controllers.claim_playback(Controller.ESPHOME):
            _LOGGER.info("%s refused: the other controller has a turn", playback.kind)
            self.playbacks.finish(playback, False)
            return
        self.playbacks.play(playback)

    def on_timer(self, message: Message) -> None:
        """``VoiceAssistantTimerEventResponse``: the satellite's timers (a finished one rings)."""
        kind, timer_id = message.event_type, message.timer_id
        if kind == api_pb2.VOICE_ASSISTANT_TIMER_STARTED:
            event = TimerStarted(id=timer_id, total_seconds=message.total_seconds, name=message.name or None).event()
        elif kind == api_pb2.VOICE_ASSISTANT_TIMER_UPDATED:
            event = TimerUpdated(id=timer_id, is_active=message.is_active, total_seconds=message.seconds_left).event()
        elif kind == api_pb2.VOICE_ASSISTANT_TIMER_CANCELLED:
            event = TimerCancelled(id=timer_id).event()
        else:
            event = TimerFinished(id=timer_id).event()
        self._to_satellite(event)

    # -- playback ends ---------------------------------------------------------------------------

    def playback_finished(self, playback: Playback, completed: bool) -> None:
        """Every playback's end: Home Assistant hears it, then a conversation may go on."""
        if playback.kind is Kind.MEDIA:
            self.on_media_state(False)
        elif self.subscriber is not None:
            self.subscriber.send_nowait(api_pb2.VoiceAssistantAnnounceFinished(success=completed))
        if self.subscriber is None or not completed:
            return
        turn = self._turn
        if playback.kind is Kind.REPLY and turn is not None:
            # The turn is kept until the next one: INTENT_END may still come (early TTS), and the
            # next turn reads continue_conversation from it (the follow-up's conversation id).
            turn.reply_played = True
            if turn.continue_conversation:
                self._to_satellite(Transcribe().event())  # listen again, no wake word: HA's follow-up
        elif playback.listen_after:
            self._to_satellite(Transcribe().event())  # start_conversation

    # -- the task -------------------------------------------------------------------------------

    def _to_satellite(self, event: Event) -> None:
        self._inbox.put_nowait(event)

    async def run(self) -> None:
        """Deliver Home Assistant's events to the satellite in order, and play, until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.playbacks.run(), name="esphome-playbacks")
            while True:
                event = await self._inbox.get()
                if event is _LOST:
                    await self.controllers.lost(Controller.ESPHOME)
                else:
                    await self.controllers.from_controller(Controller.ESPHOME, event)


_LOST = Event(type="esphome-lost")
"""Inbox marker: Home Assistant stopped running the satellite."""
