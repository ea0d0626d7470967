"""What a satellite's turn runner runs, one at a time: a voice turn or an announcement.

A voice turn, step by step:
 1. arbitration, when a wake word started it (another room may answer instead: stand down);
 2. the pipeline listens to the turn's microphone (server-side VAD endpointing, speculative STT);
 3. each pipeline event is relayed in Wyoming terms (voice-started/stopped, transcript,
    synthesize, audio-start/chunk/stop, error);
 4. the turn waits until the satellite has played the reply (``played``, or the audio's
    duration for satellites that never report it), and is recorded;
 5. a reply that asks a question reopens the microphone for a follow-up.
The runner owns the rest (the task, listening, spans, recording); cancelling the task (barge-in,
disconnect) cancels the LLM and TTS in flight and stops the audio.

These functions see the session only through ``SatelliteChannel``, so the session can import
them without them importing the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from wyoming.asr import Transcribe, Transcript
from wyoming.error import Error
from wyoming.event import Event
from wyoming.vad import VoiceStarted, VoiceStopped

from ..errors import SatelliteGone, TtsError
from ..events import EventType, PipelineEvent
from ..pipeline.runner import RunningTurn
from ..pipeline.turn import TurnRequest
from ..settings import SatellitesSettings
from ..tts.service import SpeechSynthesis
from .arbitration import Candidate
from .reply import ReplySender
from .state import SatelliteState

_LOGGER = logging.getLogger(__name__)

PLAYED_GRACE_S = 5.0
"""Extra time allowed for a satellite that reports ``played`` to report it, s."""


class Arbitrator(Protocol):
    """Decides which satellite answers a wake word heard by several."""

    async def arbitrate(self, candidate: Candidate) -> bool:
        """Wait for the window to close; True when ``candidate`` won."""
        ...


class SatelliteChannel(Protocol):
    """What a turn needs of its satellite session."""

    @property
    def name(self) -> str:
        """The satellite's name."""
        ...

    @property
    def played(self) -> asyncio.Event:
        """Set when the satellite reports ``played``."""
        ...

    @property
    def sends_played(self) -> bool:
        """True when the satellite reports ``played`` (else the audio's duration is waited)."""
        ...

    @property
    def wake_on_server(self) -> bool:
        """True when the satellite streams all the time and the server hears the wake word."""
        ...

    @property
    def trusted(self) -> bool:
        """Whether requests heard here may ask for security-sensitive actions (a satellite the
        user gave by address, or one found over zeroconf and approved in its ``[satellites.NAME]`` table)."""
        ...

    async def send(self, event: Event) -> None:
        """Send to the satellite (SatelliteGone when it is not connected)."""
        ...

    def to(self, state: SatelliteState, reason: str) -> None:
        """Move the satellite's state machine."""
        ...

    def offer_follow_up(self, seconds: float, heard: asyncio.Future[str] | None = None) -> bool:
        """The next speech within ``seconds`` continues the conversation without a wake word
        (with ``heard``: it answers the house's question); False when a turn already began."""
        ...


@dataclass(frozen=True)
class VoiceTurnPlan:
    """What starts one voice turn."""

    kind: str
    """``wake``, ``start``, ``barge-in`` or ``follow-up``."""
    candidate: Candidate | None
    """The wake word detection to arbitrate (wake turns only)."""
    conversation: Callable[[], Awaitable[str]]
    """Resolves the turn's conversation id (once it is sure this satellite answers)."""
    arbitrator: Arbitrator
    settings: SatellitesSettings
    heard: asyncio.Future[str] | None = None
    """For the answer to a question the house asked (``ask``): the transcript goes here and the
    agent does not answer it."""


async def voice_turn(turn: RunningTurn, channel: SatelliteChannel, plan: VoiceTurnPlan) -> dict[str, Any]:
    """Run one voice turn over the audio arriving in the turn's microphone."""
    spans, microphone = turn.spans, turn.microphone
    assert microphone is not None, "a voice turn listens"
    if not turn.has_pipeline:
        spans.info["outcome"] = "no-agent"
        await _refuse(turn, channel, Error(text="this server has no conversation agent", code="no-agent"))
        return spans.as_dict()
    if plan.candidate is not None:
        spans.info["wake_score"] = plan.candidate.score
        if plan.candidate.snr_db is not None:
            spans.info["wake_snr_db"] = plan.candidate.snr_db
        if not await plan.arbitrator.arbitrate(plan.candidate):
            spans.info["outcome"] = "stood-down"
            await _refuse(turn, channel, Error(text="another satellite is answering", code="stand-down"))
            return spans.as_dict()
    channel.to(SatelliteState.LISTENING, plan.kind)
    conversation_id = spans.info["conversation_id"] = await plan.conversation()
    reply = ReplySender(channel.send)
    try:
        fmt = await microphone.format()
        if fmt is None:
            spans.info["outcome"] = "no-audio"
            return spans.as_dict()
        no_speech_s = plan.settings.follow_up_s if plan.kind == "follow-up" else plan.settings.no_speech_s
        language = plan.settings.profile(channel.name).language
        request = TurnRequest(
            conversation_id=conversation_id, audio=microphone, audio_format=fmt, answer=plan.heard is None,
            language=language, satellite=channel.name, trusted=channel.trusted,
        )
        await turn.run_pipeline(request, _Relay(channel, turn, reply, plan.heard).on_event, no_speech_s=no_speech_s)
        await reply.stop()
        await _wait_played(channel, reply)
    finally:
        if plan.heard is not None and not plan.heard.done():
            plan.heard.set_result("")  # nobody answered
        if reply.started and not reply.stopped:
            with contextlib.suppress(SatelliteGone):
                await asyncio.shield(reply.stop())  # the satellite must not wait for the rest
    await turn.record()  # before the follow-up, whose first audio may already start the next turn
    if _asks_question(spans.info.get("reply", "")) and reply.started:
        await offer_follow_up(channel, plan.settings.follow_up_s)
    return spans.as_dict()


async def _refuse(turn: RunningTurn, channel: SatelliteChannel, error: Error) -> None:
    """End a turn that will not be answered: the satellite stops streaming and waits again."""
    turn.listening_done()
    await channel.send(error.event())
    await channel.send(Transcript(text="").event())


@dataclass
class _Relay:
    """Translates the pipeline's events for the satellite, marking what only this face sees."""

    channel: SatelliteChannel
    turn: RunningTurn
    reply: ReplySender
    heard: asyncio.Future[str] | None = None

    async def on_event(self, event: PipelineEvent) -> None:
        channel = self.channel
        if event.type is EventType.VAD_START:
            await channel.send(VoiceStarted(timestamp=event.t_ns // 1_000_000).event())
        elif event.type is EventType.VAD_END:
            await channel.send(VoiceStopped(timestamp=event.t_ns // 1_000_000).event())
        elif event.type is EventType.STT_END:
            text = str(event.data.get("text", ""))
            if self.heard is not None and not self.heard.done():
                self.heard.set_result(text)
            else:
                channel.to(SatelliteState.THINKING, "transcript")
            await channel.send(Transcript(text=text).event())
        elif event.type is EventType.TTS_CHUNK:
            first = not self.reply.started
            await self.reply.piece(event.data.get("text", ""), event.data["pcm"], int(event.data["rate"]))
            if first:
                self.turn.spans.mark("first_audio_out", self.reply.started_ns)
                channel.played.clear()
                channel.to(SatelliteState.SPEAKING, "reply")
        elif event.type is EventType.TTS_END:
            await self.reply.stop()
        elif event.type is EventType.ERROR:
            await channel.send(Error(text=event.data.get("message", ""), code=event.data.get("code")).event())


async def _wait_played(channel: SatelliteChannel, reply: ReplySender) -> None:
    """Until the satellite has played the reply (or, if it never says, the audio's duration)."""
    if not reply.started:
        return
    if not channel.sends_played:
        await asyncio.sleep(reply.remaining_s())
        return
    try:
        async with asyncio.timeout(reply.remaining_s() + PLAYED_GRACE_S):
            await channel.played.wait()
    except TimeoutError:
        _LOGGER.info("satellite %s did not report played", channel.name)


def _asks_question(text: str) -> bool:
    return text.rstrip().rstrip("\"')").endswith("?")


async def offer_follow_up(channel: SatelliteChannel, seconds: float, heard: asyncio.Future[str] | None = None) -> None:
    """Reopen the microphone without a wake word, in the same conversation."""
    if not channel.offer_follow_up(seconds, heard):
        return
    if channel.wake_on_server:
        # It streams anyway: its next audio chunk starts the follow-up turn (see the session).
        return
    await channel.send(Transcribe(context={"follow_up": True, "seconds": seconds}).event())


async def announcement(turn: RunningTurn, channel: SatelliteChannel, tts: SpeechSynthesis | None, text: str) -> dict[str, Any]:
    """Speak ``text`` on the satellite; the result says how long it was and whether it was played."""
    if tts is None:
        raise TtsError("text-to-speech is not enabled on this server", code="tts-unavailable")
    tts.check_text(text)
    reply = ReplySender(channel.send)
    channel.to(SatelliteState.SPEAKING, "announcement")
    channel.played.clear()
    try:
        audio = await tts.synthesize_piece(text)
        await reply.piece(text, audio.pcm, audio.rate)
        await reply.stop()
        await _wait_played(channel, reply)
    finally:
        if reply.started and not reply.stopped:
            with contextlib.suppress(SatelliteGone):
                await asyncio.shield(reply.stop())
    return {"satellite": channel.name, "text": text, "seconds": round(reply.seconds, 2), "played": channel.played.is_set()}
