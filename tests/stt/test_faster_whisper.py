"""The quick first pass drops Whisper's echoes of a short command, and nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from aria_server.services import Services
from aria_server.stt.faster_whisper import says_again, without_echoes
from tests.conftest import normalise
from tests.satellites.harness import ClipMaker


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        # Seen from the quick pass on the bundled "What time is it?" clip.
        ("What time is it? What time is it?", "What time is it?"),
        ("What time is it? What time? Is it?", "What time is it?"),
        ("What time is it? Set a timer for five minutes.", "What time is it? Set a timer for five minutes."),
        ("Set a timer for 5 minutes.", "Set a timer for 5 minutes."),
        # A decimal point ends no sentence (it once became "21. 5": a whole request for 21 degrees).
        ("Set the thermostat to 21.5 degrees.", "Set the thermostat to 21.5 degrees."),
        ("What is 3.5 plus 1.25?", "What is 3.5 plus 1.25?"),
        ("It is 3.5 km. It is 3.5 km.", "It is 3.5 km."),
        ("", ""),
    ],
)
def test_repeated_sentences_are_dropped_new_ones_kept(heard: str, kept: str) -> None:
    assert without_echoes(heard) == kept


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        # Seen from the quick pass on a real satellite's audio of the paused espeak-ng clip
        # (tests/satellites/test_paused_request.py).
        ("Set a timer for 10 minutes 10 minutes", "Set a timer for 10 minutes"),
        ("Set a timer for 10 minutes, 10 minutes.", "Set a timer for 10 minutes."),
        ("Set a timer for 10 minutes 10 minutes 10 minutes", "Set a timer for 10 minutes"),
        ("What time is it what time is it", "What time is it"),
        # Repeats that are speech: one word, or words not at the end of the sentence.
        ("Bye bye", "Bye bye"),
        ("Play New York New York by Sinatra", "Play New York New York by Sinatra"),
        ("Set a timer for 10 minutes and 10 seconds", "Set a timer for 10 minutes and 10 seconds"),
    ],
)
def test_a_sentence_ending_in_its_own_last_words_again_loses_the_repeat(heard: str, kept: str) -> None:
    assert without_echoes(heard) == kept


@pytest.mark.parametrize(
    ("heard", "again"),
    [
        # Seen from the 10 s first pass with a home's names as hotwords (real Home Assistant tier,
        # scripts/quick-pass-hotwords.py) and on the 582-clip set ("garbage door", 1 of 582).
        ("Turn on the spaceship. Turn on this spaceship", True),
        ("Turn on the reading lamp, Turn on reading lamp", True),
        ("Turn off the Living Room light, Turn off my living room light,", True),
        ("Open the garage door. Open the garbage door.", True),
        # Speech: new words, a one-word repeat, a clause sharing only a word.
        ("Turn on the kitchen light and the hall light", False),
        ("Yes, yes", False),
        ("If it's raining, it's wet.", False),
        ("What time is it? Set a timer.", False),
        ("Set the thermostat to 21.5 degrees.", False),
    ],
)
def test_a_clause_that_says_the_words_before_it_again_is_told(heard: str, again: bool) -> None:
    assert says_again(heard) is again


async def test_a_fitted_pass_with_a_long_hotword_prompt_still_hears_the_words(services: Services) -> None:
    # The fitted pass's length budget counts its prompt: forty names must not leave it no room.
    assert services.stt is not None
    speech = ClipMaker(Path(tempfile.mkdtemp())).speech("Turn on the kitchen light.")
    samples = np.concatenate([np.zeros(4000, np.int16), speech, np.zeros(1600, np.int16)])
    hotwords = ", ".join(f"Device number {i}" for i in range(40))
    fitted = services.stt.decoder.decode_fitted(samples, "en", hotwords, min_window_s=10)
    assert fitted is not None and "kitchen light" in normalise(fitted.text)
