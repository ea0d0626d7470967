"""The STT stage: a shared decoder model, and a throwaway session per utterance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np

from ..text import same_words as same_words  # re-exported: the session and the speculation compare with it


@dataclass(frozen=True)
class Transcript:
    """What was said in one utterance (empty text when nothing was)."""

    text: str
    segments: tuple[str, ...] = ()
    language: str | None = None
    speculative: bool = False
    """True when the answer came from a decode started before the audio ended."""
    first_pass: bool = False
    """True when it came from the quick first pass (a whole local request heard early)."""
    verified: bool = False
    """True when two fitted-window passes agreed and the 30 s decode was skipped (``stt.final_decode``)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Stage timings of this utterance, milliseconds (e.g. ``decode``, ``wait_after_stop``)."""


class Decoder(Protocol):
    """A loaded speech recognition model; blocking calls, run in the STT executor."""

    name: str
    languages: list[str]

    def decode(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None
    ) -> tuple[list[str], str | None]:
        """16 kHz mono int16 -> (segment texts, detected language); ``hotwords``: names and terms
        the recognition should favour (Wyoming ``transcript_names`` / ``transcript_terms``)."""
        ...

    def decode_quick(self, samples: np.ndarray, language: str | None) -> str | None:
        """A faster, slightly less accurate first pass (None when the model cannot make one)."""
        ...

    def decode_fitted(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *, min_window_s: float = 0.0
    ) -> Fitted | None:
        """The words from a window fitted to the utterance, at least ``min_window_s`` long: the
        check a ``verified`` final decode compares with the first pass (None: no such pass)."""
        ...


class Fitted(NamedTuple):
    """A fitted-window pass: its words, their language, and how sure the decoder was of them."""

    text: str
    language: str | None
    avg_logprob: float = 0.0
    """Mean log-probability per token of the words (0: certain, or not known)."""


class SttSession(Protocol):
    """One utterance: feed audio as it arrives, then finish for the transcript."""

    async def feed(self, pcm: bytes) -> None:
        """Add raw PCM in the session's input format."""
        ...

    async def finish(self) -> Transcript:
        """End of audio: the transcript, from a speculative decode when it is still valid."""
        ...

    async def aclose(self) -> None:
        """Drop the session (client gone): stop any speculative work and free VAD state."""
        ...
