"""A fallback chain of decoders (``--stt-fallback``): a remote that is down gives way to a local model.

Only an unreachable remote (RemoteUnavailable) moves a decode on to the next decoder; a decoder
that answers with an error fails the decode, as a local one would. ``active`` names the decoder
that answered last, for ``/health``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from ..errors import RemoteUnavailable, SttError
from .base import Decoder, Fitted

_LOGGER = logging.getLogger(__name__)


def backend_name(decoder: Decoder) -> str:
    """``wyoming`` for a remote decoder, ``faster-whisper`` for a local one."""
    return "wyoming" if getattr(decoder, "device", None) == "remote" else "faster-whisper"


class DecoderChain:
    """Decoder protocol over several decoders tried in order; describes itself as the first."""

    def __init__(self, decoders: Sequence[Decoder]) -> None:
        if not decoders:
            raise SttError("no STT decoder configured", code="stt-unavailable")
        self.decoders = list(decoders)
        # Described as the first decoder whose model is known (a remote down at start-up is not).
        self.described = next((d for d in self.decoders if getattr(d, "remote", True) is not None), self.decoders[0])
        self.name = self.described.name
        self.languages = list(self.described.languages)
        self._lock = threading.Lock()
        self.active: Decoder = self.decoders[0]
        self.last_error: str | None = None

    @property
    def fallback_in_use(self) -> bool:
        return self.active is not self.decoders[0]

    def _record(self, decoder: Decoder, errors: list[str]) -> None:
        with self._lock:
            self.active = decoder
            if errors:
                self.last_error = "; ".join(errors)
            elif decoder is self.decoders[0]:
                self.last_error = None

    def decode(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None
    ) -> tuple[list[str], str | None]:
        errors: list[str] = []
        for decoder in self.decoders:
            try:
                result = decoder.decode(samples, language, hotwords)
            except RemoteUnavailable as err:
                _LOGGER.warning("STT %s unavailable, trying the next decoder: %s", decoder.name, err.message)
                errors.append(f"{backend_name(decoder)}: {err.message}")
                continue
            self._record(decoder, errors)
            return result
        with self._lock:
            self.last_error = "; ".join(errors)
        raise SttError(f"every STT decoder failed ({self.last_error})", code="stt-unavailable")

    def decode_fitted(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *, min_window_s: float = 0.0
    ) -> Fitted | None:
        """The fitted-window pass of the decoder that answered last (a remote has none)."""
        try:
            return self.active.decode_fitted(samples, language, hotwords, min_window_s=min_window_s)
        except RemoteUnavailable:
            return None
