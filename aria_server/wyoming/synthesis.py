"""Wyoming ``tts``: a plain synthesize, or a streaming synthesize-start / chunk / stop.

Each answer is audio-start, the audio of each piece as soon as it exists, audio-stop (and
synthesize-stopped when streaming), also when the synthesis failed (see ``handler.py``).
A streaming synthesis runs in its own task while the connection goes on reading its text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStopped, SynthesizeVoice

from ..errors import AriaError, ProtocolError, TtsError
from ..pipeline.reply_audio import WYOMING_CHUNK_SAMPLES, chunk_bytes, reply_chunks
from ..tts.service import SpeechSynthesis
from .connection import Connection, EventCallback, text_field
from .request_spans import TTS_FACE, RequestSpans

_LOGGER = logging.getLogger(__name__)

DEFAULT_TTS_RATE = 22_050
"""Rate of the empty audio that ends a failed synthesis on a server without TTS."""


class _TextStream:
    """Text chunks of one streaming synthesis, fed by events and consumed by the TTS service."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.total_chars = 0
        """Characters queued so far: the stream's total is limited, not only each chunk."""

    async def __aiter__(self) -> AsyncIterator[str]:
        while (text := await self.queue.get()) is not None:
            yield text


class Synthesis:
    """The tts requests of one connection: at most one streaming synthesis at a time."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._text_stream: _TextStream | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def speaking(self) -> bool:
        """Whether a streaming synthesis is still sending audio (the client is listening)."""
        return self._task is not None

    def routes(self) -> dict[str, EventCallback]:
        """synthesize, synthesize-start, synthesize-chunk, synthesize-stop."""
        return {
            "synthesize": self.on_synthesize,
            "synthesize-start": self.on_synthesize_start,
            "synthesize-chunk": self.on_synthesize_chunk,
            "synthesize-stop": self.on_synthesize_stop,
        }

    def _require_tts(self) -> SpeechSynthesis:
        if self.connection.services.tts is None:
            raise TtsError("text-to-speech is not enabled on this server", code="tts-unavailable")
        return self.connection.services.tts

    async def on_synthesize(self, event: Event) -> None:
        tts = self._require_tts()
        if self._text_stream is not None:
            # Streaming clients also send a plain synthesize for old servers: already handled.
            return
        synthesize = Synthesize.from_event(event)
        _check_voice(tts, synthesize.voice)
        text = text_field(synthesize.text, "synthesize")
        tts.check_text(text)
        await self._speak(tts, _single(text), streaming=False, voice=synthesize.voice)

    async def on_synthesize_start(self, event: Event) -> None:
        tts = self._require_tts()
        voice = SynthesizeStart.from_event(event).voice
        if self._task is not None:
            self._task.cancel()
        self._text_stream = _TextStream()
        self._task = asyncio.create_task(
            self._speak(tts, aiter(self._text_stream), streaming=True, voice=voice),
            name=f"wyoming-synthesis {self.connection.peer}",
        )
        self._task.add_done_callback(self._on_done)

    async def on_synthesize_chunk(self, event: Event) -> None:
        if self._text_stream is None:
            raise ProtocolError("synthesize-chunk without synthesize-start", code="synthesis-not-started")
        text = text_field(SynthesizeChunk.from_event(event).text, "synthesize-chunk")
        stream = self._text_stream
        # Checked here, before queueing: once the synthesis has given up, nothing would drain it.
        self._require_tts().check_total(stream.total_chars + len(text))
        stream.total_chars += len(text)
        stream.queue.put_nowait(text)

    async def on_synthesize_stop(self, event: Event) -> None:
        if self._text_stream is None:
            raise ProtocolError("synthesize-stop without synthesize-start", code="synthesis-not-started")
        self._text_stream.queue.put_nowait(None)
        self._text_stream = None

    def _on_done(self, task: asyncio.Task[None]) -> None:
        if task is self._task:
            self._task = None
        if not task.cancelled() and (err := task.exception()) is not None:
            _LOGGER.error("streaming synthesis for %s failed", self.connection.peer, exc_info=err)

    async def _speak(
        self, tts: SpeechSynthesis, text: AsyncIterator[str], *, streaming: bool, voice: SynthesizeVoice | None = None
    ) -> None:
        """Send audio-start, each piece's audio as soon as it exists, audio-stop (+ stopped)."""
        write = self.connection.write_event
        fmt = {"rate": tts.sample_rate, "width": 2, "channels": 1}
        started = False
        spans = RequestSpans(self.connection.services.recorder, TTS_FACE)
        try:
            _check_voice(tts, voice)
            # A voice asked for by name or language picks that language's voice (--tts-language-voices).
            language = (voice.language or tts.language_of_voice(voice.name)) if voice is not None else None
            async for audio in tts.synthesize(text, language):
                spans.mark("first_clause", audio.ready_t_ns)
                if not started:
                    await write(AudioStart(**fmt).event())
                    started = True
                for chunk in reply_chunks(audio.pcm, chunk_bytes(WYOMING_CHUNK_SAMPLES)):
                    await write(AudioChunk(audio=chunk, **fmt).event())
                    spans.mark("first_audio_out")
        except AriaError as err:
            # Mid-synthesis: the client still gets the end of the audio (see handler.py's docstring).
            _LOGGER.warning("synthesis for %s failed: %s", self.connection.peer, err)
            await spans.finish(err)
            await self.connection.send_error(err)
            if streaming:
                # The request ends at the client's synthesize-stop: its remaining text is dropped.
                async for _ in text:
                    pass
        await spans.finish()  # before the last event (a no-op after a failure)
        await self._end_audio(started=started, streaming=streaming)

    async def _end_audio(self, *, started: bool, streaming: bool) -> None:
        """Close a synthesis: audio-start if none was sent, audio-stop, synthesize-stopped if streaming."""
        write = self.connection.write_event
        if not started:
            tts = self.connection.services.tts
            rate = tts.sample_rate if tts is not None else DEFAULT_TTS_RATE
            await write(AudioStart(rate=rate, width=2, channels=1).event())
        await write(AudioStop().event())
        if streaming:
            await write(SynthesizeStopped().event())

    async def fail(self, event: Event, err: AriaError) -> None:
        """Count a refused synthesize, send ``error``; a failed synthesis still ends its audio."""
        if event.type == "synthesize":  # refused before any synthesis (voice, length)
            await RequestSpans(self.connection.services.recorder, TTS_FACE).finish(err)
        await self.connection.send_error(err)
        if event.type in ("synthesize", "synthesize-stop"):
            await self._end_audio(started=False, streaming=event.type == "synthesize-stop")

    async def close(self) -> None:
        """Cancel the streaming synthesis in flight, if any, and wait for it to end."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def _single(text: str) -> AsyncIterator[str]:
    yield text


def _check_voice(tts: SpeechSynthesis, voice: SynthesizeVoice | None) -> None:
    """A requested voice must be one this server speaks with (it has one loaded voice per engine)."""
    if voice is None or (voice.name is None and voice.speaker is None):
        return
    names = [v.name for v in tts.voices]
    if voice.name is not None and voice.name not in names:
        raise TtsError(f"voice {voice.name!r} is not installed (installed: {', '.join(names)})", code="voice-not-installed")
    if voice.speaker is not None:
        # The installed Piper voices have a single speaker each.
        raise TtsError(f"voice {voice.name or names[0]!r} has no speaker {voice.speaker!r}", code="speaker-not-installed")
