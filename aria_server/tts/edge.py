"""Edge-TTS engine (``--tts-backend edge``, the optional ``edge`` extra): Microsoft's online voices.

Every piece of text is sent to Microsoft's online speech service (through the ``edge-tts``
package), so this engine is never the default and the settings refuse it unless a local engine
follows it in the chain (``--tts-fallback piper``): with no network, or when the service refuses,
the local voice speaks. The service answers MP3 (24 kHz mono), decoded here with soundfile.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ConfigError, TtsError
from ..settings import TtsSettings
from .base import VoiceInfo

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
EXTRA_HINT = "pip install 'aria-voice[edge]'"


def _language(voice: str) -> str:
    """``en-US-AriaNeural`` -> ``en``."""
    return voice.split("-", 1)[0].lower()


class EdgeEngine:
    """TtsEngine protocol over edge-tts; blocking calls, run in the TTS executor."""

    name = "edge"
    sample_rate = SAMPLE_RATE
    device = "online"
    device_reason = "Microsoft's online service"

    def __init__(self, settings: TtsSettings, connector: Callable[[], Any] | None = None) -> None:
        """``connector`` makes the aiohttp connector of each request (None: edge-tts's own, to
        Microsoft); the tests point it at a local stand-in of the service."""
        try:
            import edge_tts  # noqa: F401
            import soundfile  # noqa: F401
        except ImportError as err:
            raise ConfigError(f"the edge TTS backend needs its extra: {EXTRA_HINT}", code="tts-edge-missing") from err
        self._voice_name = settings.edge_voice
        self._timeout_s = settings.remote_timeout_s
        self._connector = connector
        self.voice = VoiceInfo(
            name=settings.edge_voice,
            languages=(_language(settings.edge_voice),),
            description=f"{settings.edge_voice} (Microsoft Edge online voice: text is sent to Microsoft)",
            path="edge-tts",
        )

    async def _mp3(self, text: str) -> bytes:
        import edge_tts

        connector = self._connector() if self._connector is not None else None
        communicate = edge_tts.Communicate(
            text, self._voice_name, connector=connector,
            connect_timeout=int(min(self._timeout_s, 10)) or 1, receive_timeout=int(self._timeout_s) or 1,
        )
        audio = bytearray()
        async with asyncio.timeout(self._timeout_s):
            async for chunk in communicate.stream():
                if chunk["type"] == "audio":
                    audio += chunk["data"]
        return bytes(audio)

    def synthesize_piece(self, text: str) -> np.ndarray:
        """One clause -> int16 samples at 24 kHz from the online service (TtsError when it fails)."""
        import soundfile

        try:
            mp3 = asyncio.run(self._mp3(text))
        except Exception as err:  # edge-tts raises aiohttp, timeout and its own errors alike
            raise TtsError(f"Edge-TTS failed: {err!r}", code="tts-edge-failed") from err
        samples, rate = soundfile.read(io.BytesIO(mp3), dtype="int16")
        if samples.ndim > 1:
            samples = samples.mean(axis=1).astype(np.int16)
        if rate != SAMPLE_RATE:
            from aria_wire.audio import resample_int16

            samples = resample_int16(samples, rate, SAMPLE_RATE)
        return np.asarray(samples, dtype=np.int16)

    def warm_up(self) -> None:
        """No request at start-up: the network may be down, and the local engine covers for it."""
