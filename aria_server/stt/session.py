"""One utterance: resample, VAD-gate, trim, and decode speculatively at the first pause.

When the endpointer sees a pause (``vad.speculate_after_ms`` of silence), decoding starts on
the audio so far. If no speech follows before the audio ends, ``finish`` answers with that
result at once; speech after the pause makes it stale and ``finish`` decodes again.

Where silence ends the turn, the session is given the turn's decisions
(``turn_taking.TurnDecisions``): each pause first runs a quick decode on a short encoder window
(``Decoder.decode_fitted``) and the turn's pause judge says what its words mean. A whole request
("what time is it") ends the turn after a short silence with the quick pass's words as the
transcript (no full decode: the TTS gets the cores); words that stop mid-sentence make the turn
wait longer; an utterance the end-of-turn model hears as finished ends after a short silence;
otherwise the plain silence ends it. The session only listens and asks: the verdicts, and
the reply started early, belong to the turn. A stream that arrives faster than real time (a
client sending a recording) is already complete: no speculative work is started for it, so the one
decode after ``audio-stop`` has the cores to itself.

The first pass reads a 10 s encoder window (``FIRST_PASS_WINDOW_S``, with the hotwords), a third
of the 30 s window's cost. With ``final_decode="first-pass"`` (the default) its words at the turn's
last pause are the transcript (``Transcript.at_pause``): a question is transcribed by the time its
turn ends. On 582 clips they were heard better than by Whisper's 30 s decode at the end of the
turn (WER 0.107 against 0.121; ``scripts/bench-first-pass.py``, docs/turn-taking.md), whatever
Whisper's confidence; ``full`` still asks the 30 s decode.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from aria_wire.audio import MODEL_RATE, ToModelFormat

from ..concurrency import run_blocking
from ..errors import AriaError, AudioFormatError, SttError
from ..settings import VadSettings
from ..turn_taking.judge import Judgement, PauseFacts
from ..vad.base import FRAME_MS, FRAME_SAMPLES
from ..vad.endpointer import Endpointer, VadEvent, VadEventType
from .base import Fitted, Transcript
from .options import SessionModels, SessionOptions

if TYPE_CHECKING:
    from ..turn_taking.turn import TurnDecisions

_LOGGER = logging.getLogger(__name__)

_Decoded = tuple[list[str], str | None, float, bool]
"""A decode: segment texts, language, milliseconds, whether they are the first pass's (no full decode)."""
_FirstPass = tuple[str, float]
"""A whole request heard by the quick first pass: its text, milliseconds."""
_Heard = tuple[Fitted, float]
"""What the first pass heard at a pause, and its milliseconds."""

AHEAD_OF_REAL_TIME_S = 0.5
"""Audio this far ahead of the wall clock since the first chunk means a recording, not a microphone."""
TELL_LIVE_WITHIN_S = 0.25
"""A stream its client ends (Wyoming asr) is taken as live once it has lasted this long on the wall
clock without running ahead; its VAD scoring starts then. No pause can be judged this early anyway
(one needs 90 ms of speech and 160 ms of silence after it)."""
GATE_BLOCK_FRAMES = 8
"""A recording is VAD-scored in blocks of this many frames (256 ms), stopping at the first speech."""
FIRST_PASS_WINDOW_S = 10.0
"""The first pass's encoder window: long enough that Whisper rarely repeats itself in it (a window
fitted to a short command made it hear "Turn off all the lights ... Turn off of all the light"),
a third of the 30 s window's cost."""
VERDICT_WAIT_S = 1.0
"""Longest the endpointer waits for a pause's judgement before ending on the plain silence."""


class StreamingSession:
    """Per-utterance state; thrown away after ``finish`` (nothing to reset).

    With ``turn`` (the turn's decisions, given where silence ends the turn) each pause is judged:
    the session reads the words with a quick pass and asks the turn what they mean."""

    def __init__(
        self, models: SessionModels, settings: VadSettings, options: SessionOptions, turn: TurnDecisions | None = None
    ) -> None:
        self._models = models
        self._decoder = models.decoder
        self._options = options
        self._turn = turn if options.endpointing else None
        self._vad = models.vad.session()
        self._settings = settings
        self._converter = ToModelFormat(options.fmt)
        self._language = options.language
        self._max_samples = int(options.max_seconds * MODEL_RATE)
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self.endpointer = Endpointer(settings)
        self._speculation: asyncio.Task[_Decoded | None] | None = None
        """The decode started at the last pause; None as its result: the first pass was enough."""
        self._speculated_last_frame: int | None = None
        self._whole: _FirstPass | None = None
        """The whole request the first pass heard at the last pause (its words are the transcript)."""
        self._first_chunk_at: float | None = None
        self.batch = False
        """True once the audio ran ahead of real time: a recording, decoded once at the end."""
        self._unscored: list[np.ndarray] = []
        """A recording's audio not yet seen by the VAD (scored in one pass by ``finish``)."""
        self._verdict: asyncio.Future[None] | None = None
        """Done once the current pause has been judged (or will not be)."""
        self.ended_early = False
        """The turn ended on a whole request heard by the first pass (no full decode)."""
        self._settling: asyncio.Future[None] | None = None
        """Done once the current pause has lasted ``vad.settle_after_ms`` (or is moot)."""

    @property
    def options(self) -> SessionOptions:
        """How this utterance is heard (the hotwords include the home's names)."""
        return self._options

    @property
    def turn_verdicts(self) -> list[str]:
        """How each pause was judged (``complete``, ``mid-sentence``, ...), for spans and tests."""
        return [str(verdict) for verdict in self._turn.verdicts] if self._turn is not None else []

    async def feed(self, pcm: bytes) -> list[VadEvent]:
        """Add audio; returns the endpointer events it caused (speech start, pause, end)."""
        now = self._options.clock()
        if self._first_chunk_at is None:
            self._first_chunk_at = now
        samples = self._converter.convert(pcm)
        if self._samples + len(samples) > self._max_samples:
            raise AudioFormatError(
                f"audio longer than {self._max_samples / MODEL_RATE:.0f} s", code="audio-too-long"
            )
        self._chunks.append(samples)
        self._samples += len(samples)
        # Only a stream whose client ends it (Wyoming asr) can be a recording: where silence ends
        # the turn, the audio is a live microphone by definition.
        ahead_s = self._samples / MODEL_RATE - (now - self._first_chunk_at)
        if not self.batch and not self._options.endpointing and ahead_s > AHEAD_OF_REAL_TIME_S:
            self.batch = True
            _LOGGER.debug("audio arrives faster than real time: no speculative decoding for this stream")
        if self.batch or (not self._options.endpointing and now - self._first_chunk_at < TELL_LIVE_WITHIN_S):
            # A recording: score it in one VAD pass at the end rather than a thread hop per chunk
            # (a backlog of those hops came after audio-stop, before the decode could start).
            # Until a stream has shown which it is, its audio waits the same way: a recording sent
            # at once is 0.5 s ahead only at its 16th chunk, and scoring the first 15 one by one
            # held back audio-stop by ~45 ms.
            self._unscored.append(samples)
            return []
        if self._unscored:  # a live stream after all: score what waited, then chunk by chunk
            samples, self._unscored = np.concatenate([*self._unscored, samples]), []
        probabilities = await run_blocking(self._models.vad_executor, self._vad.probabilities, samples)
        await self._await_verdict_before_end(len(probabilities))
        events = self.endpointer.feed(probabilities)
        for event in events:
            if event.type is VadEventType.PAUSE and not self.batch:
                self._speculate()
            elif event.type is VadEventType.SPEECH_RESUMED and self._turn is not None:
                self._turn.speech_resumed()
            elif event.type is VadEventType.SPEECH_END:
                self.ended_early = self._whole is not None and self._speculation_valid()
        if self._settling is not None and (
            self.endpointer.silence_ms() >= self._settings.settle_after_ms or not self._speculation_valid()
        ):
            _settle(self._settling)
        return events

    async def _await_verdict_before_end(self, frames: int) -> None:
        """Before these frames can reach the shortest silence any verdict ends a turn on, let the
        pause's judgement land (its audio waits upstream meanwhile): a mid-sentence pause is never
        ended by a race, and a whole request ends as soon as it is heard."""
        verdict = self._verdict
        if verdict is None or verdict.done() or self.endpointer.end_after_ms is not None or self._turn is None:
            return
        if self.endpointer.silence_ms() + frames * FRAME_MS < self._turn.judge.shortest_end_ms():
            return
        try:
            await asyncio.wait_for(asyncio.shield(verdict), VERDICT_WAIT_S)
        except TimeoutError:
            _LOGGER.debug("the pause was not judged within %.1f s: ending on silence", VERDICT_WAIT_S)

    def _all_audio(self) -> np.ndarray:
        audio = np.concatenate(self._chunks) if len(self._chunks) != 1 else self._chunks[0]
        self._chunks = [audio]
        return audio

    def _speech_window(self) -> np.ndarray:
        """The audio from the first speech (minus padding) to the last speech (plus padding)."""
        audio = self._all_audio()
        pad = self._settings.speech_pad_ms * MODEL_RATE // 1000
        assert self.endpointer.first_speech_frame is not None and self.endpointer.last_speech_frame is not None
        start = max(0, self.endpointer.first_speech_frame * FRAME_SAMPLES - pad)
        end = min(len(audio), (self.endpointer.last_speech_frame + 1) * FRAME_SAMPLES + pad)
        return audio[start:end]

    def _decode_call(self, samples: np.ndarray) -> _Decoded:
        started = time.perf_counter()
        texts, language = self._decoder.decode(samples, self._language, self._options.hotwords)
        return texts, language, (time.perf_counter() - started) * 1000, False

    def _quick_call(self, samples: np.ndarray) -> _Heard:
        started = time.perf_counter()
        heard = self._decoder.decode_fitted(
            samples, self._language, self._options.hotwords, min_window_s=FIRST_PASS_WINDOW_S
        )
        return heard or Fitted("", self._language, float("-inf")), (time.perf_counter() - started) * 1000

    def _speculate(self) -> None:
        self._speculated_last_frame = self.endpointer.last_speech_frame
        self._whole = None
        _settle(self._verdict)  # the previous pause's judgement is moot
        _settle(self._settling)
        first_pass = self._turn is not None and self._turn.wants_first_pass
        self._verdict = asyncio.get_running_loop().create_future() if first_pass else None
        # A stale speculation still runs to completion in its thread; we only stop waiting for it.
        self._speculation = asyncio.create_task(
            self._speculative_decode(self._speech_window(), first_pass, self._speculated_last_frame),
            name="stt-speculation",
        )
        self._speculation.add_done_callback(_log_failure)

    async def _speculative_decode(self, window: np.ndarray, first_pass: bool, last_frame: int | None) -> _Decoded | None:
        """The transcript if the turn ends at this pause: the first pass's words (``first-pass``),
        else the full decode. None when the first pass heard a whole request
        (``_whole``), when the pause was judged mid-sentence (``finish`` decodes if the turn ends
        there after all) or when speech resumed meanwhile (the next pause decodes again)."""
        verdict = self._verdict
        try:
            if first_pass:
                (heard, heard_ms), by_words = await self._first_pass(window, last_frame)
                # Words that decided the pause need no decode now: a whole request is its own
                # transcript; after words that stop mid-sentence a decode would most likely be
                # stale, and would hold the one decode thread when the next pause needs its pass.
                if by_words is not None or self.endpointer.last_speech_frame != last_frame:
                    return None
                _settle(verdict)  # the words are judged: the endpointer need not wait for more
                # How it sounds waits for a settled pause (Smart Turn needs some silence to hear),
                # and after the words: beside them it slowed the pass that ends a whole request.
                probability = await self._sound_once_settled(last_frame)
                if self.endpointer.last_speech_frame != last_frame:
                    return None  # speech resumed before the pause settled
                self._judged(heard.text, PauseFacts(sounds_done=probability))
                if self._words_are_final(heard):
                    return [heard.text], heard.language or self._language, heard_ms, True
                window = self._speech_window()
            return await run_blocking(self._models.decode_executor, self._decode_call, window)
        finally:
            _settle(verdict)

    def _words_are_final(self, heard: Fitted) -> bool:
        """The first pass's words are the transcript (``stt.final_decode = first-pass``) when it
        heard words in all of the audio (a window holds 30 s; the full decode reads any length) and
        did not repeat itself."""
        return bool(heard.text) and heard.whole and not heard.says_again and self._options.final_decode == "first-pass"

    async def _first_pass(self, window: np.ndarray, last_frame: int | None) -> tuple[_Heard, Judgement | None]:
        """Read the pause's words; when they decide the pause (a whole request, kept in ``_whole``
        as the transcript if the turn ends here, or words that stop mid-sentence) have the turn
        judge it. The words heard, and that judgement (None: the sound decides)."""
        assert self._turn is not None
        heard, quick_ms = await run_blocking(self._models.decode_executor, self._quick_call, window)
        text = heard.text
        whole = bool(text) and not heard.says_again and self._turn.whole_request(text)
        unfinished = not whole and bool(text) and self._turn.unfinished(text)
        _LOGGER.debug("first pass heard %r in %.0f ms (sure %.2f; a whole request: %s)", text, quick_ms, heard.avg_logprob, whole)
        if self.endpointer.last_speech_frame != last_frame or not (whole or unfinished):
            return (heard, quick_ms), None  # speech resumed meanwhile (this pause is moot), or the sound decides
        judgement = self._judged(text, PauseFacts(whole, unfinished))
        if judgement.ends_early:
            self._whole = (text, quick_ms)
        return (heard, quick_ms), judgement

    async def _pause_settles(self, last_frame: int | None) -> bool:
        """Until the silence reaches ``vad.settle_after_ms``: True, or False once speech resumed."""
        if self.endpointer.silence_ms() < self._settings.settle_after_ms:
            self._settling = asyncio.get_running_loop().create_future()
            await self._settling
        return self.endpointer.last_speech_frame == last_frame

    async def _sound_once_settled(self, last_frame: int | None) -> float | None:
        """The end-of-turn model's P(done) once the pause has settled, computed on its thread
        (None: no model, or speech resumed)."""
        assert self._turn is not None
        if not await self._pause_settles(last_frame):
            return None
        if self._models.end_of_turn is None or not self._turn.judge.judges_sound:
            return None
        return await run_blocking(self._models.turn_executor, self._models.end_of_turn.probability, self._speech_window())

    def _judged(self, text: str, facts: PauseFacts) -> Judgement:
        assert self._turn is not None
        judgement = self._turn.judge.judge(facts)
        self._turn.judged(text, facts, judgement)
        if judgement.end_after_ms is not None:
            self.endpointer.end_after_ms = judgement.end_after_ms
        return judgement

    def _speculation_valid(self) -> bool:
        return self._speculation is not None and self._speculated_last_frame == self.endpointer.last_speech_frame

    async def finish(self) -> Transcript:
        """The transcript; empty without running Whisper when the VAD heard no speech."""
        stop_time = time.perf_counter()
        _settle(self._settling)  # the audio ended: the pause is as settled as it will be
        tail = self._converter.convert(b"", last=True)
        if len(tail):
            self._chunks.append(tail)
        whole: asyncio.Task[_Decoded] | None = None
        if self._unscored:
            # A recording: decode all of it while the VAD scores it, on the other core; the VAD
            # then only gates (no speech: no transcript) instead of trimming first.
            backlog, self._unscored = np.concatenate(self._unscored), []
            whole = asyncio.ensure_future(
                run_blocking(self._models.decode_executor, self._decode_call, self._all_audio())
            )
            try:
                await self._score_until_speech(backlog)
            except BaseException:
                whole.cancel()
                raise
            if not self.endpointer.has_speech:
                whole.cancel()
        if not self.endpointer.has_speech:
            await self.aclose()
            return Transcript(text="", language=self._language)
        speculative = self._speculation_valid()
        try:
            decoded = await self._speculation if speculative and self._speculation is not None else None
            if decoded is None and speculative and self._whole is not None:
                text, quick_ms = self._whole
                return Transcript(
                    text=text, segments=(text,), language=self._language, speculative=True, first_pass=True,
                    timings_ms={"decode": quick_ms, "wait_after_stop": (time.perf_counter() - stop_time) * 1000},
                )
            speculative = decoded is not None  # else a pause judged mid-sentence, ended on after all
            if decoded is not None:
                texts, language, decode_ms, at_pause = decoded
            elif whole is not None:
                texts, language, decode_ms, at_pause = await whole
            else:
                texts, language, decode_ms, at_pause = await run_blocking(
                    self._models.decode_executor, self._decode_call, self._speech_window()
                )
        except (asyncio.CancelledError, AriaError):
            raise
        except Exception as err:
            raise SttError(f"transcription failed: {err}") from err
        finally:
            await self.aclose()
        return Transcript(
            text=" ".join(texts),
            segments=tuple(texts),
            language=language,
            speculative=speculative,
            at_pause=at_pause,
            timings_ms={"decode": decode_ms, "wait_after_stop": (time.perf_counter() - stop_time) * 1000},
        )

    async def _score_until_speech(self, audio: np.ndarray) -> None:
        """Score a recording until the VAD hears speech (one call on the VAD thread).

        Here the VAD only gates (speech or not), and ``has_speech`` never turns false again, so the
        frames after the first speech cannot change the answer; scoring them only took a core from
        the decode running meanwhile (a whole pass over a 3 s command: ~200 ms of VAD, ~60 ms added
        to the decode it ran beside). The endpointer is fed on that thread: nothing else reads it
        while ``finish`` waits.
        """
        if not self.endpointer.has_speech:  # else it was heard while the stream was live
            await run_blocking(self._models.vad_executor, self._feed_until_speech, audio)

    def _feed_until_speech(self, audio: np.ndarray) -> None:
        block = GATE_BLOCK_FRAMES * FRAME_SAMPLES
        for start in range(0, len(audio), block):
            self.endpointer.feed(self._vad.probabilities(audio[start : start + block]))
            if self.endpointer.has_speech:
                return

    async def aclose(self) -> None:
        """Release VAD state; a stale speculation is left to finish on its own thread."""
        if self._speculation is not None and not self._speculation.done():
            self._speculation.cancel()
        self._speculation = None
        _settle(self._verdict)
        _settle(self._settling)
        self._vad.close()


def _settle(verdict: asyncio.Future[None] | None) -> None:
    """Mark a pause as judged (whatever the outcome), releasing an endpointer that waits for it."""
    if verdict is not None and not verdict.done():
        verdict.set_result(None)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _LOGGER.warning("speculative decode failed", exc_info=task.exception())
