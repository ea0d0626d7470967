"""Settings come from TOML < environment < command line, and bad values stop the start by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aria_server.config import build_parser, load_settings
from aria_server.errors import ConfigError


def test_defaults_are_safe() -> None:
    settings = load_settings([], {})
    assert settings.host == "127.0.0.1"
    assert settings.wyoming.port == 10800
    assert settings.http.port == 8780
    assert settings.stt.model == "tiny.en"
    assert settings.tts.voice == "en_US-joe-medium"
    assert settings.llm.backend == "embedded"
    assert settings.zeroconf is True


def test_command_line_contract_options_exist() -> None:
    options = {opt for action in build_parser()._actions for opt in action.option_strings}
    for required in (
        "--config", "--data-dir", "--host", "--wyoming-port", "--http-port", "--no-zeroconf", "--satellite",
        "--stt-model", "--tts-voice", "--llm-backend", "--llm-url", "--llm-model", "--log-level",
    ):
        assert required in options


def test_precedence_file_then_env_then_cli(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text('host = "0.0.0.0"\nwyoming-port = 1111\n[llm]\nbackend = "ollama"\nmodel = "from-file"\n')
    env = {"ARIA_WYOMING_PORT": "2222", "ARIA_LLM_MODEL": "from-env"}
    settings = load_settings(["--config", str(config), "--llm-model", "from-cli"], env)
    assert settings.host == "0.0.0.0"
    assert settings.wyoming.port == 2222
    assert settings.llm.backend == "ollama"
    assert settings.llm.model == "from-cli"


def test_repeatable_and_boolean_options() -> None:
    settings = load_settings(["--no-zeroconf", "--satellite", "tcp://a:1", "--satellite", "tcp://b:2"], {})
    assert settings.zeroconf is False
    assert settings.satellite == ["tcp://a:1", "tcp://b:2"]
    assert load_settings([], {"ARIA_SATELLITE": "tcp://a:1,tcp://b:2"}).satellite == ["tcp://a:1", "tcp://b:2"]


def test_the_satellite_sessions_are_configured_like_every_other_section(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text("[satellites]\nfollow_up_s = 9.5\nno_speech_s = 4\n")
    settings = load_settings(
        ["--config", str(config), "--satellites-wake-threshold", "0.7"], {"ARIA_SATELLITES_PING_INTERVAL_S": "2"}
    )
    assert settings.satellites.follow_up_s == 9.5 and settings.satellites.no_speech_s == 4.0
    assert settings.satellites.wake_threshold == 0.7 and settings.satellites.ping_interval_s == 2.0
    assert settings.satellite == [], "--satellite (addresses) is its own option"
    with pytest.raises(ConfigError, match="satellites.follow_up_s"):
        load_settings(["--satellites-follow-up-s", "-1"], {})


@pytest.mark.parametrize(
    ("argv", "env", "names"),
    [
        (["--llm-backend", "gpt"], {}, ["llm.backend", "'embedded', 'ollama', 'openai' or 'none'"]),
        (["--wyoming-port", "70000"], {}, ["wyoming.port", "65535"]),
        (["--stt-beam-size", "zero"], {}, ["stt.beam_size"]),
        ([], {"ARIA_TTS_VOCIE": "x"}, ["ARIA_TTS_VOCIE"]),
    ],
)
def test_bad_value_names_the_key_and_allowed_values(argv: list[str], env: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(argv, env)
    assert caught.value.code == "bad-config"
    for name in names:
        assert name in caught.value.message


def test_unknown_key_in_file_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text("[stt]\nmodle = 'small'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(["--config", str(config)], {})
    assert "stt.modle" in caught.value.message
    assert "unknown setting" in caught.value.message


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text("host = \n")
    with pytest.raises(ConfigError):
        load_settings(["--config", str(config)], {})


def test_engine_options_derive_from_the_settings_tree(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text('[tts]\nbackend = "wyoming"\nurl = "tcp://gpu-box:10200"\nfallback = ["piper"]\n', encoding="utf-8")
    settings = load_settings(
        ["--config", str(config), "--stt-backend", "wyoming", "--stt-url", "tcp://gpu-box:10300",
         "--stt-fallback", "faster-whisper", "--tts-language-voices", "ja=kokoro:jf_alpha",
         "--satellites-languages", "kitchen=ja", "--llm-gpu-layers", "-1"],
        {"ARIA_TTS_DEVICE": "cpu"},
    )
    assert (settings.stt.backend, settings.stt.url, settings.stt.fallback) == ("wyoming", "tcp://gpu-box:10300", ["faster-whisper"])
    assert (settings.tts.backend, settings.tts.url, settings.tts.fallback) == ("wyoming", "tcp://gpu-box:10200", ["piper"])
    assert settings.tts.language_voices == ["ja=kokoro:jf_alpha"] and settings.satellites.profile("kitchen").language == "ja"
    assert settings.llm.gpu_layers == -1 and settings.tts.device == "cpu"


def test_a_wyoming_backend_without_its_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="--stt-url"):
        load_settings(["--stt-backend", "wyoming"], {})
