"""faster-whisper (CTranslate2) decoder; the bundled models are Whisper tiny.en and base (``bundled.py``)."""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..devices import ctranslate2_placement
from ..errors import ConfigError
from ..settings import SttSettings
from . import bundled
from .base import Fitted

_LOGGER = logging.getLogger(__name__)

TOKENS_PER_SECOND = 8
"""Most tokens a second of speech is given in a fitted-window pass (English speech is ~4)."""
MIN_FITTED_TOKENS = 16

FULL_WINDOW_FRAMES = 3000
"""Whisper's encoder window: 30 s of 10 ms mel frames, whatever the utterance's length."""
QUICK_WINDOW_STEP = 250
"""The quick pass's window: the utterance plus at least 1 s, rounded up to 2.5 s steps."""


def resolve_model(name: str) -> str:
    """A model directory, a bundled model (``tiny.en``, ``base``), or a name faster-whisper finds offline."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if (directory := bundled.model_dir(name)) is not None:
        return str(directory)
    return name


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when CTranslate2 sees a GPU, else ``cpu`` (``cuda`` without one: ``cpu``)."""
    return ctranslate2_placement(device).device


_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?=\S))+[.!?]*")
"""A sentence: up to end punctuation followed by a space or the end ("21.5" is no sentence end)."""
_WORD = re.compile(r"[\w']+")
_CLAUSE = re.compile(r"(?:[^.!?,;]|[.!?,;](?=\S))+")
"""A clause: up to a sentence or clause mark followed by a space or the end."""


def without_echoes(text: str) -> str:
    """``text`` without Whisper's echoes: sentences after the first that only repeat its words,
    and, at the end of a sentence, words that only say again the words just before them.

    Whisper on a short window tends to say a short command again ("What time is it? What time?
    Is it?"), or its last words without a full stop ("Set a timer for 10 minutes 10 minutes",
    from a real satellite's audio: a 20-minute timer once read as a duration). A real second
    request has words of its own and is kept; a one-word repeat ("bye bye") is speech.

        >>> without_echoes("What time is it? What time? Is it?")
        'What time is it?'
        >>> without_echoes("What time is it? Set a timer.")
        'What time is it? Set a timer.'
        >>> without_echoes("Set a timer for 10 minutes 10 minutes")
        'Set a timer for 10 minutes'
        >>> without_echoes("Set the thermostat to 21.5 degrees.")
        'Set the thermostat to 21.5 degrees.'
    """
    sentences = [_without_repeated_tail(m.group(0).strip()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    if not sentences:
        return text
    first_words = {w.lower() for w in _WORD.findall(sentences[0])}
    kept = [sentences[0]]
    for sentence in sentences[1:]:
        if not {w.lower() for w in _WORD.findall(sentence)} <= first_words:
            kept.append(sentence)
    return " ".join(kept)


def says_again(text: str) -> bool:
    """Whether a clause of ``text`` mostly repeats the words before it (two thirds of its words,
    at least two): what is left when Whisper repeated itself in other words, which
    ``without_echoes`` cannot tell from speech.

        >>> says_again("Turn on the spaceship. Turn on this spaceship")
        True
        >>> says_again("Turn on the reading lamp, Turn on reading lamp")
        True
        >>> says_again("Turn on the kitchen light and the hall light"), says_again("Yes, yes")
        (False, False)
    """
    clauses = [words for c in _CLAUSE.findall(text) if (words := [w.lower() for w in _WORD.findall(c)])]
    for index, clause in enumerate(clauses[1:], 1):
        before = {word for earlier in clauses[:index] for word in earlier}
        if len(clause) >= 2 and 3 * sum(word in before for word in clause) >= 2 * len(clause):
            return True
    return False


def _without_repeated_tail(sentence: str) -> str:
    """``sentence`` less a closing run of two or more words that repeats the run just before it
    (again while one is left: "10 minutes 10 minutes 10 minutes"); its end punctuation is kept."""
    while True:
        words = list(_WORD.finditer(sentence))
        lowered = [w.group(0).lower() for w in words]
        size = next(
            (n for n in range(len(words) // 2, 1, -1) if lowered[-n:] == lowered[-2 * n : -n]),
            None,
        )
        if size is None:
            return sentence
        end = sentence.rstrip()[len(sentence.rstrip().rstrip(".!?")) :]
        sentence = sentence[: words[-size - 1].end()] + end


class WhisperDecoder:
    """Loads the model once (blocking: call from a worker thread) and decodes whole utterances."""

    def __init__(self, settings: SttSettings) -> None:
        self.settings = settings
        self.name = settings.model
        placement = ctranslate2_placement(settings.device)
        self.device = placement.device
        self.device_reason = placement.reason
        compute_type = settings.compute_type
        if compute_type == "default":
            compute_type = "float16" if self.device == "cuda" else "int8"
        self.compute_type = compute_type
        self._model = self._load(settings.cpu_threads)
        # The first pass at a pause reads a short window with a beam search of small steps, which
        # a second thread slows down (on 2 cores ~150 ms with two threads, ~115 ms with one, while
        # the 30 s decode gains from both): on the CPU it has a copy of the model of its own.
        threads = settings.first_pass_threads
        separate = self.device == "cpu" and threads > 0 and threads != settings.cpu_threads
        self._first_pass_model = self._load(threads) if separate else self._model
        self.languages = ["en"] if settings.model.endswith(".en") else sorted(self._model.supported_languages)
        _LOGGER.info("Whisper model %s loaded on %s (%s)", settings.model, self.device, compute_type)

    def _load(self, cpu_threads: int) -> Any:
        from faster_whisper import WhisperModel

        try:
            return WhisperModel(
                resolve_model(self.settings.model),
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=cpu_threads,
                local_files_only=True,
            )
        except Exception as err:  # faster-whisper raises several kinds for a missing model
            raise ConfigError(
                f"cannot load Whisper model {self.settings.model!r} ({err}); give a CTranslate2 model "
                "directory with --stt-model (Aria never downloads models)",
                code="stt-model-missing",
            ) from err

    def decode_fitted(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None, *, min_window_s: float = 0.0
    ) -> Fitted:
        """The words from an encoder window fitted to the utterance: the utterance plus at
        least 1 s, rounded up to 2.5 s steps, and at least ``min_window_s``; how sure Whisper was
        of them (mean log-probability per token).

        On the CPU the encoder's 30 s window is most of a decode's cost; a 10 s window costs ~130 ms
        here against ~350 ms for the 30 s decode, but Whisper was trained on 30 s windows and a
        shorter one mishears more often (on the bench's 31 clips WER 0.067 against 0.039; a window
        fitted to a short command, ~5 s, 0.228). The session's first pass uses 10 s and trusts its
        words only where Whisper was sure of them. A multilingual model with no language set
        detects it on this same window (one decoder step on the encoder output it already has).
        """
        from ctranslate2 import StorageView
        from faster_whisper.tokenizer import Tokenizer

        language = language or self.settings.language or None
        features = self._model.feature_extractor(samples.astype(np.float32) / 32768.0)
        frames = features.shape[-1]
        fitted = math.ceil((frames + 100) / QUICK_WINDOW_STEP) * QUICK_WINDOW_STEP
        window = min(FULL_WINDOW_FRAMES, max(fitted, int(min_window_s * 100)))
        padded = np.zeros((features.shape[0], window), dtype=np.float32)
        padded[:, : min(frames, window)] = features[:, :window]
        model = self._first_pass_model.model
        encoded = model.encode(StorageView.from_array(padded[np.newaxis]), to_cpu=False)
        if model.is_multilingual and language is None:
            token, _ = model.detect_language(encoded)[0][0]
            language = token[2:-2]  # "<|de|>"
        tokenizer = Tokenizer(
            self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language=language
        )
        prompt = self._model.get_prompt(tokenizer, [], without_timestamps=True, hotwords=hotwords or None)
        # A fitted window makes Whisper prone to repeating itself ("What time is it? What time is
        # it?"): no 3-word sequence may come twice, and echoes that slip through are dropped.
        result = model.generate(
            encoded,
            [prompt],
            beam_size=self.settings.beam_size,
            # Speech is at most a few tokens a second: a window that sets Whisper repeating itself
            # stops there instead of decoding up to 224 tokens (once 0.8 s for "what day is it
            # today"). The length counts the prompt (and its hotwords).
            max_length=min(224, len(prompt) + MIN_FITTED_TOKENS + int(TOKENS_PER_SECOND * len(samples) / 16_000)),
            no_repeat_ngram_size=3,
            suppress_blank=True,
            suppress_tokens=[-1],
            return_scores=True,
        )
        text = tokenizer.decode([t for t in result[0].sequences_ids[0] if t < tokenizer.eot]).strip()
        # The score is the sequence's log-probability over its length: a mean per token.
        text = without_echoes(text)
        return Fitted(text, language, float(result[0].scores[0]), whole=frames <= window, says_again=says_again(text))

    def decode(
        self, samples: np.ndarray, language: str | None, hotwords: str | None = None
    ) -> tuple[list[str], str | None]:
        """Transcribe 16 kHz int16 audio; VAD trimming was already done by the session.

        ``hotwords`` goes to faster-whisper's ``hotwords`` (a prompt of hint phrases)."""
        audio = samples.astype(np.float32) / 32768.0
        segments, info = self._model.transcribe(
            audio,
            beam_size=self.settings.beam_size,
            language=language or self.settings.language or None,
            hotwords=hotwords or None,
            vad_filter=False,
            without_timestamps=True,
            condition_on_previous_text=False,
        )
        texts = [segment.text.strip() for segment in segments if segment.text.strip()]
        return texts, info.language

    def warm_up(self) -> None:
        """One decode and one first pass, so the first real request does not pay for lazy initialisation."""
        noise = (np.random.default_rng(0).standard_normal(16_000) * 300).astype(np.int16)
        self.decode(noise, None)
        self.decode_fitted(noise, None)
