"""The Coqui TTS backend (optional ``coqui`` extra) on a tiny UNTRAINED VITS model.

No Coqui voice can be downloaded here, so the fixture builds a VITS model from coqui-tts's own
config classes, with very small layers and random weights, and saves checkpoint + config.json
as Coqui's trainer does. Its audio is noise: these tests prove the plumbing (loading, int16 at
the model's own rate, the Wyoming server, the coqui -> piper fallback chain), not voice quality.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize

from aria_server.app import create_wyoming_server
from aria_server.config import validate_tree
from aria_server.errors import ConfigError, TtsError
from aria_server.services import Services, close_services, load_services
from aria_server.settings import TtsSettings
from aria_server.tts.coqui import CoquiEngine
from aria_server.wyoming.server import WyomingServer

# aria_server.tts.coqui imports torch and coqui-tts only when an engine is created.
pytest.importorskip(
    "TTS", reason="the coqui extra is not installed (pip install 'aria-voice[coqui]')", exc_type=ImportError
)

RATE = 16_000  # deliberately not Piper's 22050 Hz
TIMEOUT = 60
UNKNOWN_TO_COQUI = "日本語"  # no character of it is in the tiny model's a-z vocabulary


def _build_tiny_vits(directory: Path) -> tuple[Path, Path]:
    """An untrained ~240k-parameter VITS with a grapheme vocabulary (no phonemizer needed)."""
    import torch
    from TTS.tts.configs.shared_configs import BaseAudioConfig, CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    config = VitsConfig(
        audio=BaseAudioConfig(
            sample_rate=RATE, fft_size=512, win_length=512, hop_length=128, num_mels=40, do_trim_silence=False
        ),
        model_args=VitsArgs(
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_heads_text_encoder=1,
            num_layers_text_encoder=1,
            num_layers_posterior_encoder=1,
            num_layers_flow=1,
            out_channels=257,  # fft_size / 2 + 1
            resblock_type_decoder="2",
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 3]],
            upsample_rates_decoder=[8, 4, 4],  # product = hop_length
            upsample_kernel_sizes_decoder=[16, 8, 8],
            upsample_initial_channel_decoder=16,
            use_sdp=False,  # deterministic durations
            init_discriminator=False,
        ),
        use_phonemes=False,
        phonemizer=None,
        text_cleaner="basic_cleaners",
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="_",
            blank="<BLNK>",
            characters="abcdefghijklmnopqrstuvwxyz",
            punctuations="!'(),-.:;? ",
            is_unique=False,
        ),
    )
    torch.manual_seed(0)
    model = Vits(config)
    directory.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, directory / "model.pth")
    config.save_json(str(directory / "config.json"))
    return directory / "model.pth", directory / "config.json"


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _build_tiny_vits(tmp_path_factory.mktemp("coqui") / "tiny-vits")


@pytest.fixture(scope="module")
def engine(tiny_vits: tuple[Path, Path]) -> CoquiEngine:
    model, config = tiny_vits
    return CoquiEngine(TtsSettings(backend="coqui", coqui_model=model, coqui_config=config))


def test_engine_gives_int16_mono_at_the_models_rate(engine: CoquiEngine) -> None:
    assert engine.sample_rate == RATE
    assert engine.voice.name == "tiny-vits"
    engine.warm_up()
    short = engine.synthesize_piece("The kitchen light is on.")
    longer = engine.synthesize_piece("The kitchen light is on, and the heating is set to twenty degrees.")
    for samples in (short, longer):
        assert samples.dtype == np.int16 and samples.ndim == 1
        assert 0.2 < len(samples) / RATE < 30
        assert np.abs(samples).max() > 0
    assert len(longer) > len(short)
    assert len(engine.synthesize_piece("  ")) == 0


def test_text_the_model_cannot_spell_is_a_tts_error(engine: CoquiEngine) -> None:
    with pytest.raises(TtsError):
        engine.synthesize_piece(UNKNOWN_TO_COQUI)


def test_missing_model_is_a_config_error_naming_the_key(tmp_path: Path, tiny_vits: tuple[Path, Path]) -> None:
    model, config = tiny_vits
    with pytest.raises(ConfigError, match=r"tts\.coqui_model is not set") as caught:
        CoquiEngine(TtsSettings(backend="coqui"))
    assert caught.value.code == "bad-config"
    with pytest.raises(ConfigError, match=r"tts\.coqui_model .*missing\.pth does not exist"):
        CoquiEngine(TtsSettings(backend="coqui", coqui_model=tmp_path / "missing.pth", coqui_config=config))
    with pytest.raises(ConfigError, match=r"tts\.coqui_config .*missing\.json does not exist"):
        CoquiEngine(TtsSettings(backend="coqui", coqui_model=model, coqui_config=tmp_path / "missing.json"))
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a torch checkpoint")
    with pytest.raises(ConfigError, match=r"tts\.coqui_model .*broken\.pth could not be loaded"):
        CoquiEngine(TtsSettings(backend="coqui", coqui_model=broken, coqui_config=config))


def test_config_json_beside_the_checkpoint_is_found(tiny_vits: tuple[Path, Path]) -> None:
    model, _ = tiny_vits
    assert CoquiEngine(TtsSettings(backend="coqui", coqui_model=model)).sample_rate == RATE


# --- through the real Wyoming server: backend coqui, fallback piper -------------------------


@pytest.fixture(scope="module")
async def coqui_server(
    tiny_vits: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Services, WyomingServer]]:
    model, config = tiny_vits
    settings = validate_tree(
        {
            "data_dir": str(tmp_path_factory.mktemp("aria-coqui-data")),
            "zeroconf": False,
            "llm": {"backend": "none"},
            "wyoming": {"port": 0},
            "tts": {"backend": "coqui", "fallback": ["piper"], "coqui_model": str(model), "coqui_config": str(config)},
        }
    )
    loaded = await load_services(settings)
    server = create_wyoming_server(settings, loaded)
    await server.start()
    yield loaded, server
    await server.stop()
    close_services(loaded)


def _client(server: WyomingServer) -> AsyncTcpClient:
    return AsyncTcpClient("127.0.0.1", server.port)


async def _read_until(client: AsyncTcpClient, last_type: str) -> list[Event]:
    events = []
    while True:
        event = await asyncio.wait_for(client.read_event(), TIMEOUT)
        assert event is not None, "server closed the connection"
        events.append(event)
        if event.type == last_type:
            return events


async def _synthesize(server: WyomingServer, text: str) -> tuple[AudioStart, bytes]:
    async with _client(server) as client:
        await client.write_event(Synthesize(text=text).event())
        events = await _read_until(client, "audio-stop")
    starts = [AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type)]
    assert len(starts) == 1 and sum(AudioStop.is_type(e.type) for e in events) == 1
    return starts[0], b"".join(AudioChunk.from_event(e).audio for e in events if AudioChunk.is_type(e.type))


async def test_describe_lists_the_coqui_voice(coqui_server: tuple[Services, WyomingServer]) -> None:
    async with _client(coqui_server[1]) as client:
        await client.write_event(Describe().event())
        info = Info.from_event(await asyncio.wait_for(client.read_event(), TIMEOUT))
    assert [voice.name for voice in info.tts[0].voices] == ["tiny-vits"]


async def test_synthesize_over_wyoming_gives_audio_at_the_models_rate(
    coqui_server: tuple[Services, WyomingServer],
) -> None:
    services, server = coqui_server
    assert services.tts is not None
    services.tts.last_error = None
    start, pcm = await _synthesize(server, "The kitchen light is on.")
    assert (start.rate, start.width, start.channels) == (RATE, 2, 1)
    assert 0.2 < len(pcm) / (RATE * 2) < 30
    assert services.tts.last_error is None  # coqui spoke it, no fallback


async def test_piper_speaks_what_coqui_cannot_at_the_same_rate(coqui_server: tuple[Services, WyomingServer]) -> None:
    services, server = coqui_server
    assert services.tts is not None
    start, pcm = await _synthesize(server, UNKNOWN_TO_COQUI)
    assert (start.rate, start.width, start.channels) == (RATE, 2, 1)  # Piper's 22050 Hz resampled
    samples = np.frombuffer(pcm, dtype=np.int16)
    assert len(samples) / RATE > 0.5 and np.abs(samples).max() > 1_000
    assert services.tts.last_error is not None and services.tts.last_error.startswith("coqui:")
