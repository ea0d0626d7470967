"""A remote Wyoming TTS service as an engine (``--tts-backend wyoming --tts-url tcp://HOST:PORT``).

Aria's service still cuts the reply into clauses and sends each one as its own ``synthesize``
request, so the first clause plays while the rest is synthesized, whether or not the remote
streams (``supports_synthesize_streaming`` is reported in ``/health``). Audio comes back at the
remote's rate; the first answer fixes this engine's ``sample_rate`` and a later answer at another
rate or width is converted, so one stream keeps one format.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Attribution, Info
from wyoming.tts import Synthesize, SynthesizeVoice

from aria_wire.audio import resample_int16

from ..errors import ConfigError
from ..remote import RemoteCaller, read_answer
from .base import VoiceInfo

_LOGGER = logging.getLogger(__name__)

PROBE_TEXT = "Hello."


@dataclass(frozen=True)
class RemoteTts:
    """What the remote says it is: its first installed TTS program and voices."""

    program: str
    voices: tuple[VoiceInfo, ...]
    attribution: Attribution
    supports_synthesize_streaming: bool

    @classmethod
    def from_info(cls, info: Info, url: str) -> RemoteTts:
        for program in info.tts:
            voices = tuple(
                VoiceInfo(
                    name=voice.name,
                    languages=tuple(voice.languages),
                    description=f"{voice.description or voice.name} via {program.name} at {url}",
                    path=url,
                )
                for voice in program.voices
                if voice.installed
            )
            if program.installed and voices:
                attribution = program.voices[0].attribution if program.voices else program.attribution
                return cls(program.name, voices, attribution, bool(program.supports_synthesize_streaming))
        raise ConfigError(f"the Wyoming service at {url} offers no installed voice", code="tts-remote-no-voice")


def _to_mono_int16(pcm: bytes, width: int, channels: int) -> np.ndarray:
    if width != 2:
        raise ValueError(f"remote audio of width {width} (only 16-bit is accepted)")
    samples = np.frombuffer(pcm, dtype=np.int16)
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1).astype(np.int16)
    return samples


class WyomingTtsEngine:
    """TtsEngine protocol over a remote Wyoming TTS service (blocking calls, run in the TTS executor)."""

    name = "wyoming"
    device = "remote"
    device_reason = "a remote Wyoming service"

    def __init__(self, caller: RemoteCaller, remote: RemoteTts, voice_name: str | None, sample_rate: int) -> None:
        self.caller = caller
        self.remote = remote
        self.voice_name = voice_name
        self.voice = next((v for v in remote.voices if v.name == voice_name), remote.voices[0])
        self.sample_rate = sample_rate

    @classmethod
    def connect(cls, caller: RemoteCaller, voice_name: str | None) -> WyomingTtsEngine:
        """Ask the remote for its voices, then synthesize a probe to learn its rate."""
        url = caller.endpoint.url
        remote = RemoteTts.from_info(caller.describe(), url)
        if voice_name is not None and voice_name not in {v.name for v in remote.voices}:
            known = ", ".join(v.name for v in remote.voices)
            raise ConfigError(f"the Wyoming service at {url} has no voice {voice_name!r} (it has {known})", code="tts-voice-missing")
        _, rate = cls._request(caller, PROBE_TEXT, voice_name)
        _LOGGER.info("remote TTS %s at %s (%d Hz)", remote.program, url, rate)
        return cls(caller, remote, voice_name, rate)

    @staticmethod
    def _request(caller: RemoteCaller, text: str, voice_name: str | None) -> tuple[np.ndarray, int]:
        async def request(client: AsyncTcpClient) -> tuple[np.ndarray, int]:
            voice = SynthesizeVoice(name=voice_name) if voice_name else None
            await client.write_event(Synthesize(text=text, voice=voice).event())
            parts: list[np.ndarray] = []
            rate = 0
            while True:
                event = await read_answer(client)
                if AudioStart.is_type(event.type):
                    rate = AudioStart.from_event(event).rate
                elif AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    rate = chunk.rate
                    parts.append(_to_mono_int16(chunk.audio, chunk.width, chunk.channels))
                elif AudioStop.is_type(event.type):
                    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
                    return audio, rate

        return caller.call(request)

    def synthesize_piece(self, text: str) -> np.ndarray:
        """One clause -> int16 samples at ``sample_rate`` from the remote."""
        samples, rate = self._request(self.caller, text, self.voice_name)
        return resample_int16(samples, rate, self.sample_rate) if rate and rate != self.sample_rate else samples

    def warm_up(self) -> None:
        """The probe in ``connect`` already warmed the remote."""
