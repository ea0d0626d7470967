"""The satellite's settings tree: one option, one environment variable and one TOML key per
setting, merged command line > environment > file > defaults, and a real satellite started from
a TOML file."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import async_read_event
from wyoming.info import Describe, Info

from aria_satellite.__main__ import main
from aria_satellite.config import build_parser, load_settings
from aria_satellite.settings import SatelliteSettings, WakeWord
from aria_wire.errors import SettingsError
from aria_wire.settings_tree import leaf_paths
from tests.satellites.harness import REPO, TIMEOUT, SatelliteProcess

TOML = """
name = "kitchen"
area = "Kitchen"
reply-gap = 4.0          # an option's spelling works at the top of the file too

[mic]
device = "hw:1"

[wake]
words = ["hey_jarvis@deutsch", "okay_nabu"]
refractory_s = 3.0

[vad]
threshold = 0.6

[esphome]
enabled = false

[wyoming]
max_payload_bytes = 2097152
"""


def _clean_environment() -> dict[str, str]:
    """This process's environment without any Aria setting of its own."""
    return {name: value for name, value in os.environ.items() if not name.startswith("ARIA_")}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_option_that_predates_the_tree_keeps_its_name() -> None:
    options = {option for action in build_parser()._actions for option in action.option_strings}
    historical = {
        "--name", "--area", "--host", "--port", "--wake-word", "--wake-engine", "--wake-threshold", "--wake-refractory",
        "--list-devices", "--mic-device", "--mic-command", "--mic-file", "--mic-command-rate", "--mic-command-channels",
        "--snd-device", "--snd-command", "--snd-file", "--snd-rate", "--vad-threshold", "--no-chimes", "--no-barge-in",
        "--no-zeroconf", "--announce-chime", "--noise-suppression", "--hook-command", "--events-socket", "--mic-stall",
        "--reply-gap", "--timing-log", "--esphome-port", "--no-esphome", "--esphome-key", "--esphome-key-file",
        "--data-dir", "--log-level",
    }
    assert historical <= options
    assert {f"--{option}" for option in leaf_paths(SatelliteSettings)} <= options


def test_the_old_command_line_means_what_it_meant() -> None:
    settings = load_settings(
        ["--name", "hall", "--wake-word", "hey_jarvis@deutsch", "--wake-refractory", "1.5", "--no-chimes",
         "--no-esphome", "--mic-command", "arecord -r 16000 -c 1", "--reply-gap", "3", "--mic-stall", "1"], {},
    )
    assert settings.name == "hall" and settings.wake.words == [WakeWord("hey_jarvis", "deutsch")]
    assert (settings.wake.refractory_s, settings.chimes, settings.esphome.enabled) == (1.5, False, False)
    assert settings.mic.command == ("arecord", "-r", "16000", "-c", "1")
    assert (settings.reply_gap_s, settings.mic_stall_s) == (3.0, 1.0)
    assert load_settings(["--wake-word", "none"], {}).wake.words == []
    assert load_settings([], {}) == SatelliteSettings()
    # The systemd unit always sets its command line in the environment (deploy/systemd).
    assert load_settings([], {"ARIA_SATELLITE_OPTS": "--name hall"}) == SatelliteSettings()


def test_the_tree_comes_from_a_toml_file(tmp_path: Path) -> None:
    settings = load_settings(["--config", str(_write(tmp_path / "satellite.toml", TOML))], {})
    assert (settings.name, settings.area, settings.reply_gap_s, settings.mic.device) == ("kitchen", "Kitchen", 4.0, "hw:1")
    assert settings.wake.words == [WakeWord("hey_jarvis", "deutsch"), WakeWord("okay_nabu")]
    assert (settings.wake.refractory_s, settings.vad.threshold, settings.esphome.enabled) == (3.0, 0.6, False)
    assert settings.wyoming.max_payload_bytes == 2_097_152


def test_the_command_line_beats_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    config = _write(tmp_path / "satellite.toml", TOML)
    environ = {
        "ARIA_SATELLITE_CONFIG": str(config), "ARIA_SATELLITE_AREA": "Scullery", "ARIA_SATELLITE_NAME": "pantry",
        "ARIA_SATELLITE_WAKE_WORD": "alexa,hey_mycroft", "ARIA_SATELLITE_CHIMES": "false",
        "ARIA_SATELLITE_MIC_FILE": str(tmp_path / "mic.wav"),
    }
    settings = load_settings(["--name", "larder"], environ)
    assert (settings.name, settings.area, settings.chimes) == ("larder", "Scullery", False)
    assert settings.wake.words == [WakeWord("alexa"), WakeWord("hey_mycroft")]
    assert settings.vad.threshold == 0.6  # only the file sets it
    # One microphone: the environment's file replaces the file's device instead of clashing with it.
    assert (settings.mic.device, settings.mic.file) == (None, tmp_path / "mic.wav")


@pytest.mark.parametrize(
    ("argv", "environ", "named"),
    [
        (["--port", "ten"], {}, "setting port (--port)"),
        (["--wake-engine", "porcupine"], {}, "setting wake.engine (--wake-engine)"),
        (["--wake-word", "a", "--wake-word", "b", "--wake-word", "c"], {}, "at most 2 wake words"),
        (["--mic-device", "hw:1", "--mic-file", "x.wav"], {}, "--mic-device and --mic-file exclude each other"),
        ([], {"ARIA_SATELLITE_WAKE_WORDS": "alexa"}, "unknown environment variable ARIA_SATELLITE_WAKE_WORDS"),
        ([], {"ARIA_SATELLITE_VAD_THRESHOLD": "loud"}, "setting vad.threshold (--vad-threshold)"),
    ],
)
def test_a_bad_setting_is_refused_by_name(argv: list[str], environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(argv, environ)
    assert named in caught.value.message and caught.value.code == "bad-settings"


def test_a_bad_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"setting mic\.colour: unknown setting"):
        load_settings(["--config", str(_write(tmp_path / "a.toml", '[mic]\ncolour = "red"\n'))], {})
    with pytest.raises(SettingsError, match="is not valid TOML"):
        load_settings(["--config", str(_write(tmp_path / "b.toml", "name = \n"))], {})
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(["--config", str(tmp_path / "missing.toml")], {})


def test_the_key_never_reaches_the_message() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(["--esphome-key", "c2VjcmV0LWJ1dC1zaG9ydA=="], {})
    assert "not 32" in caught.value.message and "c2VjcmV0" not in caught.value.message


def test_a_bad_setting_stops_the_start_with_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--vad-threshold", "2"]) == 2
    assert "aria-satellite: setting vad.threshold (--vad-threshold): Input should be less than 1" in capsys.readouterr().err


async def test_a_real_satellite_starts_from_a_toml_file(tmp_path: Path) -> None:
    log = tmp_path / "timing.jsonl"
    config = _write(tmp_path / "satellite.toml", f"""
name = "from-file"
area = "Attic"
host = "127.0.0.1"
port = 0
zeroconf = false
timing_log = "{log}"

[wake]
words = []

[mic]
command = ["sleep", "infinity"]

[snd]
file = "{tmp_path / 'played.wav'}"

[esphome]
enabled = false
""")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_satellite", "--config", str(config), "--name", "from-command-line",
        cwd=REPO, env={**_clean_environment(), "ARIA_SATELLITE_AREA": "Loft"},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    satellite = SatelliteProcess(proc, "satellite from-file")
    satellite.log = log
    try:
        ready = await satellite.wait_event(lambda e: e["event"] == "ready")
        client = AsyncTcpClient("127.0.0.1", int(ready["port"]))
        await client.connect()
        try:
            await client.write_event(Describe().event())
            async with asyncio.timeout(TIMEOUT):
                while (event := await client.read_event()) is not None and not Info.is_type(event.type):
                    pass
        finally:
            await client.disconnect()
        assert event is not None
        info = Info.from_event(event).satellite
        assert info is not None
        assert (info.name, info.area, info.active_wake_words) == ("from-command-line", "Loft", [])
    finally:
        await satellite.stop()


async def test_the_wyoming_frame_limits_are_settings(tmp_path: Path) -> None:
    """A payload over ``--wyoming-max-payload-bytes`` is refused with ``frame-too-large``."""
    idle = "sleep infinity"
    satellite = await SatelliteProcess.start(
        tmp_path, "tight", "--wake-word", "none", "--mic-command", idle, "--snd-file", str(tmp_path / "tight.wav"),
        "--wyoming-max-payload-bytes", "1024",
    )
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", satellite.port)
        header = {"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 4096}
        writer.write(json.dumps(header).encode() + b"\n" + bytes(4096))
        await writer.drain()
        async with asyncio.timeout(TIMEOUT):
            event = await async_read_event(reader)
        writer.close()
        assert event is not None and Error.is_type(event.type)
        assert Error.from_event(event).code == "frame-too-large"
    finally:
        await satellite.stop()
