"""Home Assistant's settings and the access token: where they come from, and that the token file is
private and re-read when it changes (the real file system; Home Assistant itself is tested in
tests/homeassistant)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from aria_server.config import load_settings
from aria_server.conversation.factory import home_client
from aria_server.errors import HomeUnauthorized
from aria_server.home.token import TokenSource


def test_ha_settings_come_from_the_command_line_the_environment_and_toml(tmp_path: Path) -> None:
    config = tmp_path / "aria.toml"
    config.write_text('[ha]\nurl = "http://from-file:8123"\ntimeout_s = 3\n')
    settings = load_settings(["--config", str(config)], {"ARIA_HA_TOKEN": "env-token"})
    assert (settings.ha.url, settings.ha.token, settings.ha.timeout_s) == ("http://from-file:8123", "env-token", 3.0)
    settings = load_settings(
        ["--ha-url", "http://cli:8123", "--ha-token-file", str(tmp_path / "t")], {"ARIA_HA_URL": "http://env:8123"}
    )
    assert settings.ha.url == "http://cli:8123" and settings.ha.token_file == tmp_path / "t"


def test_without_a_url_there_is_no_home_client() -> None:
    assert home_client(load_settings([], {"ARIA_HA_TOKEN": "x"})) is None
    client = home_client(load_settings(["--ha-url", "http://ha:8123/"], {}))
    assert client is not None and client.url == "http://ha:8123"


async def test_a_token_file_is_read_tightened_and_re_read_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "ha-token"
    path.write_text("first-token\n")
    path.chmod(0o644)
    source = TokenSource(path)
    assert await source.current() == "first-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "a token readable by others is made owner-only"
    path.write_text("second-token")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert await source.current() == "second-token"


@pytest.mark.parametrize("content", ["", "  \n"])
async def test_an_empty_token_file_is_refused_by_name(tmp_path: Path, content: str) -> None:
    path = tmp_path / "ha-token"
    path.write_text(content)
    with pytest.raises(HomeUnauthorized) as caught:
        await TokenSource(path).current()
    assert caught.value.code == "home-unauthorized" and str(path) in caught.value.message


async def test_a_missing_token_is_refused() -> None:
    with pytest.raises(HomeUnauthorized):
        await TokenSource().current()
    with pytest.raises(HomeUnauthorized):
        await TokenSource(Path("/nonexistent/ha-token")).current()
    assert await TokenSource(None, "value-token").current() == "value-token"
    assert "value-token" not in repr(TokenSource(None, "value-token")), "the token never reaches a log line"
