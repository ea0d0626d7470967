"""The per-satellite table (``[satellites.NAME]``): every spelling fills it, layers merge it key by key,
and a bad entry is refused at load with its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aria_server.config import build_parser, load_settings
from aria_server.errors import ConfigError
from aria_server.http.live_config import masked, validate
from aria_server.settings import SatellitesSettings

TOML = """
[satellites]
ping_interval_s = 2.0

[satellites.kitchen]
language = "ja"
area = "Kitchen"
ha_device = "feed42"
trusted = true
wake_threshold = 0.7

[satellites."living room"]
area = "Living Room"
"""


def test_the_table_comes_from_toml(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text(TOML)
    satellites = load_settings(["--config", str(config)], {}).satellites
    kitchen = satellites.profile("kitchen")
    assert (kitchen.language, kitchen.area, kitchen.ha_device, kitchen.trusted, kitchen.wake_threshold) == (
        "ja", "Kitchen", "feed42", True, 0.7
    )
    assert satellites.profile("living room").area == "Living Room" and satellites.ping_interval_s == 2.0
    nobody = satellites.profile("hall")
    assert (nobody.language, nobody.area, nobody.trusted) == (None, None, False)


def test_the_older_flags_fill_the_same_table() -> None:
    satellites = load_settings(
        ["--satellites-languages", "kitchen=ja", "--satellites-areas", "kitchen=Kitchen",
         "--satellites-ha-devices", "kitchen=feed42", "--satellites-trusted", "kitchen"], {},
    ).satellites
    kitchen = satellites.profile("kitchen")
    assert (kitchen.language, kitchen.area, kitchen.ha_device, kitchen.trusted) == ("ja", "Kitchen", "feed42", True)
    assert SatellitesSettings(areas=["den=Den"], trusted=["den"]).profile("den").area == "Den"


def test_the_entry_flag_and_the_environment_fill_it_too() -> None:
    settings = load_settings(
        ["--satellites-profiles", "kitchen.area=Kitchen", "--satellites-profiles", "kitchen.trusted=true"],
        {"ARIA_SATELLITES_PROFILES": "den.language=de,den.wake_threshold=0.6", "ARIA_SATELLITES_AREAS": "hall=Hall"},
    )
    assert settings.satellites.profile("kitchen").trusted is True
    assert settings.satellites.profile("den").wake_threshold == 0.6
    assert settings.satellites.profile("den").language == "de"
    assert settings.satellites.profile("hall").area == "Hall"
    assert any("--satellites-profiles" in action.option_strings for action in build_parser()._actions)


def test_layers_merge_key_by_key_command_line_first(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text(TOML)
    settings = load_settings(
        ["--config", str(config), "--satellites-areas", "kitchen=Scullery"],
        {"ARIA_SATELLITES_PROFILES": "kitchen.area=Pantry,kitchen.language=de"},
    )
    kitchen = settings.satellites.profile("kitchen")
    # area: command line over environment over file; language: environment over file; the rest: the file.
    assert (kitchen.area, kitchen.language, kitchen.ha_device) == ("Scullery", "de", "feed42")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--satellites-profiles", "kitchen"], "--satellites-profiles entry 'kitchen'"),
        (["--satellites-profiles", "kitchen.colour=red"], "satellites.profiles.kitchen.colour"),
        (["--satellites-profiles", "kitchen.language=German"], "kitchen.language"),
        (["--satellites-profiles", "kitchen.wake_threshold=loud"], "kitchen.wake_threshold"),
        (["--satellites-areas", "no-equals-sign"], "--satellites-areas entry 'no-equals-sign'"),
    ],
)
def test_a_bad_entry_is_refused_by_name(argv: list[str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(argv, {})
    assert named in caught.value.message and caught.value.code == "bad-config"


def test_a_bad_table_in_the_file_is_refused_by_name(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text('[satellites.kitchen]\ncolour = "red"\n')
    with pytest.raises(ConfigError, match=r"satellites\.profiles\.kitchen\.colour"):
        load_settings(["--config", str(config)], {})


def test_the_dashboard_sees_and_sends_the_table() -> None:
    settings = load_settings(["--satellites-profiles", "kitchen.area=Kitchen"], {})
    tree = masked(settings)
    assert tree["satellites"]["profiles"]["kitchen"]["area"] == "Kitchen"
    # The settings form sends the table as NAME.KEY=VALUE lines (views/settings.js), validated strictly.
    tree["satellites"]["profiles"] = ["kitchen.area=Hall", "kitchen.trusted=true"]
    changed = validate(tree).satellites.profile("kitchen")
    assert (changed.area, changed.trusted) == ("Hall", True)


def test_the_other_programs_variables_are_not_the_servers() -> None:
    """A machine running both: the satellite's ARIA_SATELLITE_* and the systemd unit's
    ARIA_SERVER_OPTS (always set, deploy/systemd/aria-server.service) do not stop the server."""
    settings = load_settings([], {"ARIA_SATELLITE_NAME": "kitchen", "ARIA_SERVER_OPTS": "", "ARIA_SATELLITES_AREAS": "k=K"})
    assert settings.satellites.profile("k").area == "K"
