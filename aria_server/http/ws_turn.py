"""Translates one turn's PipelineEvent stream into ``/ws`` messages, and times the turn.

The timeline sent with the final ``idle`` status gives milliseconds from the start of the turn
to each landmark (speech end, transcript, first token, first audio, reply end), which is what
the dashboard's chart draws.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..events import EventType, PipelineEvent
from ..pipeline.reply_audio import WS_FRAME_BYTES, reply_chunks
from .ws_messages import error_status, message

SendJson = Callable[[dict[str, Any]], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]

_LANDMARKS = {
    EventType.VAD_START: "speechStart",
    EventType.VAD_END: "speechEnd",
    EventType.STT_END: "transcript",
    EventType.LLM_DELTA: "firstToken",
    EventType.TTS_CHUNK: "firstAudio",
    EventType.LLM_END: "replyText",
    EventType.TTS_END: "replyAudio",
    EventType.TURN_END: "end",
}


class TurnReporter:
    """Per-turn translation state (thrown away with the turn)."""

    def __init__(self, send_json: SendJson, send_bytes: SendBytes, *, spoken: bool, model: str | None) -> None:
        self._send_json = send_json
        self._send_bytes = send_bytes
        self._spoken = spoken
        self._model = model
        self.turn_id: str | None = None
        self._start_ns = 0
        self._times_ns: dict[str, int] = {}
        self._audio_started = False
        self._state: str | None = None

    async def _status(self, state: str, **metadata: Any) -> None:
        """Send a status only when it changes (several events can mean the same state)."""
        if state != self._state:
            self._state = state
            await self._send_json(message("status", state, turnId=self.turn_id, **metadata))

    def mark(self, landmark: str, t_ns: int) -> None:
        """Record a landmark the pipeline does not see (e.g. the user pressing stop)."""
        self._times_ns.setdefault(landmark, t_ns)

    def timeline_ms(self) -> dict[str, float]:
        """Milliseconds from the start of the turn to each landmark seen so far."""
        return {name: round((t - self._start_ns) / 1e6, 1) for name, t in self._times_ns.items()}

    async def on_event(self, event: PipelineEvent) -> None:
        """Send the messages one event stands for."""
        if event.type is EventType.TURN_START:
            self.turn_id = event.turn_id
            self._start_ns = event.t_ns
            await self._status("listening" if self._spoken else "thinking")
            return
        if (landmark := _LANDMARKS.get(event.type)) is not None:
            self.mark(landmark, event.t_ns)
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            await handler(self, event)

    async def _vad_start(self, event: PipelineEvent) -> None:
        await self._send_json(message("status", "listening", turnId=self.turn_id, speech=True))

    async def _vad_end(self, event: PipelineEvent) -> None:
        await self._status("thinking")

    async def _stt_partial(self, event: PipelineEvent) -> None:
        await self._send_json(message("transcript", str(event.data.get("text", "")), final=False, turnId=self.turn_id))

    async def _stt_end(self, event: PipelineEvent) -> None:
        timings = event.data.get("timings_ms", {})
        await self._send_json(
            message(
                "transcript",
                str(event.data.get("text", "")),
                final=True,
                turnId=self.turn_id,
                language=event.data.get("language"),
                speculative=event.data.get("speculative", False),
                processingTime=timings.get("decode"),
            )
        )
        await self._status("thinking")

    async def _llm_delta(self, event: PipelineEvent) -> None:
        await self._send_json(message("response", str(event.data.get("text", "")), final=False, turnId=self.turn_id))

    async def _llm_end(self, event: PipelineEvent) -> None:
        await self._send_json(
            message(
                "response",
                str(event.data.get("text", "")),
                final=True,
                turnId=self.turn_id,
                model=self._model,
                processingTime=round((event.t_ns - self._times_ns.get("transcript", self._start_ns)) / 1e6, 1),
            )
        )

    async def _tts_chunk(self, event: PipelineEvent) -> None:
        pcm = event.data.get("pcm", b"")
        if not self._audio_started:
            self._audio_started = True
            await self._status("speaking")
            await self._send_json(
                message(
                    "audio",
                    "start",
                    turnId=self.turn_id,
                    rate=event.data.get("rate"),
                    width=event.data.get("width", 2),
                    channels=event.data.get("channels", 1),
                    encoding="pcm_s16le",
                )
            )
        for frame in reply_chunks(pcm, WS_FRAME_BYTES):
            await self._send_bytes(frame)

    async def _tts_end(self, event: PipelineEvent) -> None:
        if self._audio_started:
            await self._send_json(message("audio", "end", turnId=self.turn_id))

    async def _error(self, event: PipelineEvent) -> None:
        await self._send_json(
            error_status(str(event.data.get("code", "turn-failed")), str(event.data.get("message", "")), turnId=self.turn_id)
        )

    async def _turn_end(self, event: PipelineEvent) -> None:
        timeline = self.timeline_ms()
        self._state = None  # the final idle is always sent: it carries the timeline
        await self._status("idle", outcome=event.data.get("outcome"), timeline=timeline, processingTime=timeline.get("end"))


_HANDLERS: dict[EventType, Callable[[TurnReporter, PipelineEvent], Awaitable[None]]] = {
    EventType.VAD_START: TurnReporter._vad_start,
    EventType.VAD_END: TurnReporter._vad_end,
    EventType.STT_PARTIAL: TurnReporter._stt_partial,
    EventType.STT_END: TurnReporter._stt_end,
    EventType.LLM_DELTA: TurnReporter._llm_delta,
    EventType.LLM_END: TurnReporter._llm_end,
    EventType.TTS_CHUNK: TurnReporter._tts_chunk,
    EventType.TTS_END: TurnReporter._tts_end,
    EventType.ERROR: TurnReporter._error,
    EventType.TURN_END: TurnReporter._turn_end,
}
