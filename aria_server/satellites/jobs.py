"""What a satellite session runs, one at a time: a voice turn or an announcement.

A voice turn, step by step:
 1. arbitration, when a wake word started it (another room may answer instead: stand down);
 2. the pipeline listens to the inbox (server-side VAD endpointing, speculative STT);
 3. each pipeline event is relayed in Wyoming terms (voice-started/stopped, transcript,
    synthesize, audio-start/chunk/stop, error) and marked in the turn's spans;
 4. the job waits until the satellite has played the reply (``played``, or the audio's
    duration for satellites that never report it);
 5. a reply that asks a question reopens the microphone for a follow-up.
Cancelling the job (barge-in, disconnect) cancels the LLM and TTS in flight and stops the audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wyoming.asr import Transcribe, Transcript
from wyoming.error import Error
from wyoming.vad import VoiceStarted, VoiceStopped

from ..errors import AriaError, SatelliteGone
from ..events import EventType, PipelineEvent
from ..pipeline.metrics import TurnSpans
from ..pipeline.turn import TurnRequest
from .arbitration import Candidate
from .inbox import AudioInbox
from .reply import ReplySender
from .state import SatelliteState

if TYPE_CHECKING:
    from .session import SatelliteSession

_LOGGER = logging.getLogger(__name__)

PLAYED_GRACE_S = 5.0
"""Extra time allowed for a satellite that reports ``played`` to report it, s."""


@dataclass
class Job:
    """A running job: its task and, for turns, its spans."""

    task: asyncio.Task[Any]
    spans: TurnSpans | None = None

    @classmethod
    def start(cls, name: str, run: Coroutine[Any, Any, Any], spans: TurnSpans | None = None) -> Job:
        """Start ``run`` as the job's task (its owner is the session that keeps the Job)."""
        return cls(task=asyncio.get_running_loop().create_task(run, name=name), spans=spans)

    async def cancel(self) -> None:
        """Cancel and wait until the task has finished cleaning up."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def voice_turn(
    session: SatelliteSession, inbox: AudioInbox, kind: str, candidate: Candidate | None, spans: TurnSpans
) -> dict[str, Any]:
    """Run one voice turn of ``session`` over the audio arriving in ``inbox``."""
    if session.context.pipeline is None:
        spans.info["outcome"] = "no-agent"
        session.listening_done(inbox)
        await session.send(Error(text="this server has no conversation agent", code="no-agent").event())
        await session.send(Transcript(text="").event())
        return spans.as_dict()
    if candidate is not None:
        spans.info["wake_score"] = candidate.score
        if not await session.arbitrator.arbitrate(candidate):
            spans.info["outcome"] = "stood-down"
            session.listening_done(inbox)
            await session.send(Error(text="another satellite is answering", code="stand-down").event())
            await session.send(Transcript(text="").event())
            await _record(session, spans)
            return spans.as_dict()
    session.set_state(SatelliteState.LISTENING)
    conversation_id = spans.info["conversation_id"] = await session.conversation(kind)
    reply = ReplySender(session.send)
    try:
        fmt = await inbox.format()
        if fmt is None:
            spans.info["outcome"] = "no-audio"
            return spans.as_dict()
        no_speech_s = session.options.follow_up_s if kind == "follow-up" else session.options.no_speech_s
        request = TurnRequest(conversation_id=conversation_id, audio=inbox, audio_format=fmt)
        async with asyncio.TaskGroup() as group:
            heard = asyncio.Event()
            watchdog = group.create_task(_close_without_speech(inbox, heard, no_speech_s), name="no-speech watchdog")
            events = session.context.pipeline.run_turn(request)
            await _relay(session, inbox, events, spans, reply, heard)
            watchdog.cancel()
        await reply.stop()
        await _wait_played(session, reply)
    finally:
        session.listening_done(inbox)
        if reply.started and not reply.stopped:
            with contextlib.suppress(SatelliteGone):
                await asyncio.shield(reply.stop())  # the satellite must not wait for the rest
        await _record(session, spans)
    if _asks_question(spans.info.get("reply", "")) and reply.started:
        await _offer_follow_up(session)
    return spans.as_dict()


async def _record(session: SatelliteSession, spans: TurnSpans) -> None:
    """Count the turn, keep it as the satellite's last one, and hand it on (spans storage)."""
    session.status.turns += 1
    session.status.last_turn = spans.as_dict() | {"at": time.time()}
    if session.on_turn is not None:
        await asyncio.shield(session.on_turn(session, spans))


async def _close_without_speech(inbox: AudioInbox, heard: asyncio.Event, seconds: float) -> None:
    """End the audio when nobody has spoken for ``seconds`` (a wake word with no command)."""
    try:
        async with asyncio.timeout(seconds):
            await heard.wait()
    except TimeoutError:
        inbox.close()


async def _relay(
    session: SatelliteSession,
    inbox: AudioInbox,
    events: AsyncIterator[PipelineEvent],
    spans: TurnSpans,
    reply: ReplySender,
    heard: asyncio.Event,
) -> None:
    """Translate the pipeline's events for the satellite, marking spans on the way."""
    async for event in events:
        spans.observe(event)
        if event.type is EventType.VAD_START:
            heard.set()
            await session.send(VoiceStarted(timestamp=event.t_ns // 1_000_000).event())
        elif event.type is EventType.VAD_END:
            await session.send(VoiceStopped(timestamp=event.t_ns // 1_000_000).event())
        elif event.type is EventType.STT_END:
            heard.set()
            session.listening_done(inbox)
            session.set_state(SatelliteState.THINKING)
            await session.send(Transcript(text=event.data.get("text", "")).event())
        elif event.type is EventType.TTS_CHUNK:
            first = not reply.started
            await reply.piece(event.data.get("text", ""), event.data["pcm"], int(event.data["rate"]))
            if first:
                spans.mark("first_audio_out", reply.started_ns)
                session.played.clear()
                session.set_state(SatelliteState.SPEAKING)
        elif event.type is EventType.TTS_END:
            await reply.stop()
        elif event.type is EventType.ERROR:
            await session.send(Error(text=event.data.get("message", ""), code=event.data.get("code")).event())


async def _wait_played(session: SatelliteSession, reply: ReplySender) -> None:
    """Until the satellite has played the reply (or, if it never says, the audio's duration)."""
    if not reply.started:
        return
    if not session.sends_played:
        await asyncio.sleep(reply.remaining_s())
        return
    try:
        async with asyncio.timeout(reply.remaining_s() + PLAYED_GRACE_S):
            await session.played.wait()
    except TimeoutError:
        _LOGGER.info("satellite %s did not report played", session.name)


def _asks_question(text: str) -> bool:
    return text.rstrip().rstrip("\"')").endswith("?")


async def _offer_follow_up(session: SatelliteSession) -> None:
    """Reopen the microphone without a wake word, in the same conversation."""
    seconds = session.options.follow_up_s
    session.follow_up_until = time.monotonic() + seconds
    if session.status.wake == "server":
        # It streams anyway: its next audio chunk starts the follow-up turn (see the session).
        return
    await session.send(Transcribe(context={"follow_up": True, "seconds": seconds}).event())


async def announcement(session: SatelliteSession, text: str) -> dict[str, Any]:
    """Speak ``text`` on the satellite; the result says how long it was and whether it was played."""
    tts = session.context.tts
    if tts is None:
        raise AriaError("text-to-speech is not enabled on this server", code="tts-unavailable")
    tts.check_text(text)
    reply = ReplySender(session.send)
    session.set_state(SatelliteState.SPEAKING)
    session.played.clear()
    try:
        audio = await tts.synthesize_piece(text)
        await reply.piece(text, audio.pcm, audio.rate)
        await reply.stop()
        await _wait_played(session, reply)
    finally:
        if reply.started and not reply.stopped:
            with contextlib.suppress(SatelliteGone):
                await asyncio.shield(reply.stop())
    return {"satellite": session.name, "text": text, "seconds": round(reply.seconds, 2), "played": session.played.is_set()}
