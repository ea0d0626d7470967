"""docs/satellite-configuration.md is in step with the satellite's settings tree: its generated part
is what ``aria_satellite.settings_doc`` renders today, and every option has its row."""

from __future__ import annotations

import tomllib
from pathlib import Path

from aria_satellite.config import ENV_PREFIX
from aria_satellite.settings import SatelliteSettings
from aria_satellite.settings_doc import MARKER, render_page, render_reference
from aria_wire.settings_tree import env_name, leaf_paths, validate_tree

PAGE = Path(__file__).resolve().parents[2] / "docs" / "satellite-configuration.md"
REGENERATE = "python -m aria_satellite.settings_doc --write docs/satellite-configuration.md"


def test_the_page_is_generated_from_the_settings_tree() -> None:
    current = PAGE.read_text(encoding="utf-8")
    assert current.count(MARKER) == 1, f"{PAGE.name} lost its marker line; run {REGENERATE}"
    assert current == render_page(current), f"{PAGE.name} is out of step with aria_satellite/settings.py; run {REGENERATE}"


def test_every_option_has_a_row() -> None:
    reference = render_reference()
    for option, path in leaf_paths(SatelliteSettings).items():
        assert f"| `{env_name(ENV_PREFIX, option)}` | `{'.'.join(path)}` |" in reference, option


def test_the_pages_example_file_is_valid() -> None:
    example = PAGE.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    settings = validate_tree(SatelliteSettings, tomllib.loads(example))
    assert settings.name == "kitchen" and settings.snd.command is not None and settings.snd.command[0] == "aplay"
