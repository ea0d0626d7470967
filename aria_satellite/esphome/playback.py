"""What Home Assistant has the satellite play: TTS replies, announcements and media, one at a time.

Contract: every ``Playback`` that is started is *finished exactly once* — played to its end,
stopped (barge-in, a new turn, a stop command, the watchdog), refused (another controller has
a turn) or failed (the URL could not be fetched or is not WAV) — and ``on_finished(playback,
completed)`` is called then. ``VoiceBridge`` turns that into ``VoiceAssistantAnnounceFinished``,
so Home Assistant's entity never stays "responding".

A playback reaches the speaker through the satellite like any reply (``audio-start``, chunks,
``audio-stop`` through ``Controllers``), so echo cancellation, barge-in and the watchdog apply.
Jobs run one at a time in ``run()``; ``stop()`` makes the running one give up at its next chunk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event

from ..audio import awake_chime
from ..state import State
from .tts import MediaError, Opener, fetch_wav, open_wav

_LOGGER = logging.getLogger(__name__)


class Kind(StrEnum):
    """Why something is played (what its end is reported as)."""

    REPLY = "reply"
    """the TTS answer of a voice turn."""
    ANNOUNCE = "announce"
    """an assist-satellite announcement (maybe with a chime, maybe starting a conversation)."""
    MEDIA = "media"
    """the media player's play_media (announcement or not)."""


@dataclass(eq=False)
class Playback:
    """One thing to play."""

    kind: Kind
    url: str
    preannounce_url: str | None = None
    """a chime played first ("" or None: none; one that fails to load: the satellite's own chime)."""
    listen_after: bool = False
    """start listening once played to its end (start_conversation, continued conversation)."""
    finished: bool = field(default=False, init=False)
    started: bool = field(default=False, init=False)
    """True once the satellite began playing its stream (its end then comes from the satellite)."""
    done: asyncio.Event = field(default_factory=asyncio.Event, init=False)


class PlayerHost(Protocol):
    """The satellite's side of a playback."""

    @property
    def state(self) -> State:
        ...

    @property
    def speaker_rate(self) -> int:
        ...

    def play_sound(self, stream: str, pcm: bytes, rate: int) -> None:
        """Queue a whole sound (the chime) ahead of the next stream."""
        ...

    def stop_playing(self) -> None:
        """Silence the speaker now (the reply stream then ends, not completed)."""
        ...


Deliver = Callable[[Event], Awaitable[None]]
"""Hands an event to the satellite through ``Controllers`` (as Home Assistant's)."""


class Playbacks:
    """The queue of playbacks and the one task that feeds them to the satellite."""

    def __init__(
        self, host: PlayerHost, deliver: Deliver, on_finished: Callable[[Playback, bool], None], opener: Opener | None = None
    ) -> None:
        self.host = host
        self.deliver = deliver
        self.on_finished = on_finished
        self._opener = opener
        self._queue: asyncio.Queue[Playback] = asyncio.Queue()
        self.current: Playback | None = None
        """the playback being fetched or played."""

    def play(self, playback: Playback) -> None:
        """Queue ``playback`` (after whatever is queued)."""
        self._queue.put_nowait(playback)

    def stop(self, *, speaker: bool = False) -> None:
        """Drop the queued playbacks and end the current one; ``speaker``: silence it too (a
        stop command; a new turn has the satellite stop the speaker itself)."""
        while not self._queue.empty():
            self.finish(self._queue.get_nowait(), False)
        current = self.current
        if current is None:
            return
        if current.started and speaker:
            self.host.stop_playing()  # the satellite reports the stream ended: stream_ended()
        self.finish(current, False)

    def finish(self, playback: Playback, completed: bool) -> None:
        """Report ``playback`` over (once; later calls do nothing)."""
        if playback.finished:
            return
        playback.finished = True
        if self.current is playback:
            self.current = None
        playback.done.set()
        self.on_finished(playback, completed)

    def stream_ended(self, completed: bool) -> None:
        """The satellite's reply stream ended (played, or stopped by anything)."""
        if self.current is not None and self.current.started:
            self.finish(self.current, completed)

    async def run(self) -> None:
        """Play queued playbacks until cancelled."""
        while True:
            playback = await self._queue.get()
            self.current = playback
            try:
                await self._play(playback)
            except Exception as err:  # noqa: BLE001 - one bad playback must not take the satellite down
                if isinstance(err, MediaError):
                    _LOGGER.warning("cannot play %s: %s", playback.url, err)
                else:
                    _LOGGER.exception("playing %s failed", playback.url)
                    err = MediaError(f"playing failed: {err!r}")
                self.finish(playback, False)
                if playback.kind is Kind.REPLY:  # the satellite waits for this reply: it will not come
                    await self.deliver(Error(text=err.message, code=err.code).event())
            if playback.started:
                await playback.done.wait()  # the satellite says when the stream ended; the next waits
            self.current = None

    async def _play(self, playback: Playback) -> None:
        opener = {"opener": self._opener} if self._opener is not None else {}
        if playback.preannounce_url:
            try:
                fmt, chime = await fetch_wav(playback.preannounce_url, **opener)
                self.host.play_sound("chime-preannounce", chime, fmt.rate)
            except MediaError as err:
                _LOGGER.info("pre-announce sound failed (%s): the satellite's chime instead", err)
                self.host.play_sound("chime-preannounce", awake_chime(self.host.speaker_rate), self.host.speaker_rate)
        fmt, chunks = await open_wav(playback.url, **opener)
        try:
            if playback.finished:
                return
            await self.deliver(AudioStart(rate=fmt.rate, width=2, channels=1).event())
            if self.host.state is not State.SPEAKING:
                self.finish(playback, False)  # a turn of the user's began meanwhile: not played
                return
            playback.started = True
            async for pcm in chunks:
                if playback.finished:
                    return
                await self.deliver(AudioChunk(rate=fmt.rate, width=2, channels=1, audio=pcm).event())
            await self.deliver(AudioStop().event())
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
