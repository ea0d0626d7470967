"""A remote Wyoming ASR service as Aria's decoder (``--stt-backend wyoming --stt-url tcp://HOST:PORT``).

Aria keeps its own VAD, trimming and speculative decode at each pause; only the decode itself
goes to the remote, so a GPU box running wyoming-faster-whisper (or another Aria) does the heavy
work. The remote gets the trimmed 16 kHz utterance as one ``transcribe`` request. A remote that
streams (``transcript-start`` / ``transcript-chunk`` / ``transcript-stop``) is read to its final
``transcript``; its chunks stand in when that final text is empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from wyoming.asr import Transcribe, Transcript, TranscriptChunk
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Attribution, Info

from aria_wire.audio import MODEL_RATE

from ..errors import ConfigError
from ..remote import RemoteCaller, read_answer
from .base import Fitted

_LOGGER = logging.getLogger(__name__)

CHUNK_SAMPLES = 1024
"""Samples per audio-chunk sent to the remote (64 ms, the size Home Assistant sends)."""


@dataclass(frozen=True)
class RemoteAsr:
    """What the remote says it is (its first installed ASR program and model)."""

    program: str
    model: str
    description: str
    languages: tuple[str, ...]
    attribution: Attribution
    supports_transcript_streaming: bool

    @classmethod
    def from_info(cls, info: Info, url: str) -> RemoteAsr:
        for program in info.asr:
            models = [model for model in program.models if model.installed] or list(program.models)
            if program.installed and models:
                model = models[0]
                languages = sorted({code for m in models for code in m.languages})
                return cls(
                    program=program.name,
                    model=model.name,
                    description=f"{model.description or model.name} via {program.name} at {url}",
                    languages=tuple(languages),
                    attribution=model.attribution,
                    supports_transcript_streaming=bool(program.supports_transcript_streaming),
                )
        raise ConfigError(f"the Wyoming service at {url} offers no installed speech-to-text model", code="stt-remote-no-asr")


class WyomingDecoder:
    """Decoder protocol over a remote Wyoming ASR service (blocking calls, run in the STT executor)."""

    device = "remote"
    device_reason = "a remote Wyoming service"
    compute_type = None

    def __init__(self, caller: RemoteCaller, remote: RemoteAsr | None) -> None:
        """``remote`` None: the remote was down at start-up, so what it runs is not known yet."""
        self.caller = caller
        self.remote = remote
        self.url = caller.endpoint.url
        self.name = remote.model if remote is not None else self.url
        self.languages = list(remote.languages) if remote is not None else []

    @classmethod
    def connect(cls, caller: RemoteCaller) -> WyomingDecoder:
        """Ask the remote what it runs (RemoteUnavailable when it cannot be reached)."""
        remote = RemoteAsr.from_info(caller.describe(), caller.endpoint.url)
        _LOGGER.info("remote STT %s (%s) at %s", remote.model, remote.program, caller.endpoint.url)
        return cls(caller, remote)

    def decode(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None
    ) -> tuple[list[str], str | None]:
        """16 kHz mono int16 -> (segment texts, language) from the remote; ``hotwords`` go on as
        Wyoming ``transcript_terms`` (a remote older than Wyoming 1.9 ignores them)."""
        pcm = samples.astype(np.int16, copy=False).tobytes()
        terms = [term for term in (hotwords or "").split(", ") if term] or None

        async def request(client: AsyncTcpClient) -> tuple[list[str], str | None]:
            await client.write_event(Transcribe(language=language, transcript_terms=terms).event())
            await client.write_event(AudioStart(rate=MODEL_RATE, width=2, channels=1).event())
            step = CHUNK_SAMPLES * 2
            for start in range(0, len(pcm), step):
                chunk = AudioChunk(rate=MODEL_RATE, width=2, channels=1, audio=pcm[start : start + step])
                await client.write_event(chunk.event())
            await client.write_event(AudioStop().event())
            chunks: list[str] = []
            while True:
                event = await read_answer(client)
                if TranscriptChunk.is_type(event.type):
                    chunks.append(TranscriptChunk.from_event(event).text)
                elif Transcript.is_type(event.type):
                    transcript = Transcript.from_event(event)
                    text = (transcript.text or "".join(chunks)).strip()
                    return ([text] if text else []), transcript.language or language

        return self.caller.call(request)

    def decode_fitted(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *, min_window_s: float = 0.0
    ) -> Fitted | None:
        """None: no first pass (a second round trip would cost what it saves); the remote's own
        transcript is the only one."""
        return None

    def warm_up(self) -> None:
        """Nothing loads here; ``connect`` already asked the remote."""
