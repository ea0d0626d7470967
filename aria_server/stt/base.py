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
    """True when the quick first pass heard a whole request and the turn ended early on it."""
    at_pause: bool = False
    """True when the first pass's words at the turn's last pause are the transcript and the 30 s
    decode was skipped (``stt.final_decode = first-pass``)."""
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

    def decode_fitted(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *, min_window_s: float = 0.0
    ) -> Fitted | None:
        """The words from a window fitted to the utterance, at least ``min_window_s`` long, and how
        sure the decoder was of them: the first pass at a pause (None: the model has none)."""
        ...


class Fitted(NamedTuple):
    """A fitted-window pass: its words, their language, and how sure the decoder was of them."""

    text: str
    language: str | None
    avg_logprob: float = 0.0
    """Mean log-probability per token of the words (0: certain, or not known)."""
    whole: bool = True
    """The window held all of the audio (False: longer than one encoder window, cut)."""
    says_again: bool = False
    """A clause repeats the words before it in other words ("Turn on the spaceship. Turn on this
    spaceship"): Whisper was repeating itself (with the home's names as hotwords ~1 command in 12)."""


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
