"""docs/configuration.md is in step with the settings tree: its generated part is what
``aria_server.settings_doc`` renders today, and every option of the tree has its row."""

from __future__ import annotations

from pathlib import Path

from aria_server.settings import leaf_paths
from aria_server.settings_doc import MARKER, render_page, render_reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
REGENERATE = "python -m aria_server.settings_doc --write docs/configuration.md"


def test_the_page_is_generated_from_the_settings_tree() -> None:
    current = PAGE.read_text(encoding="utf-8")
    assert current.count(MARKER) == 1, f"docs/configuration.md lost its marker line; run {REGENERATE}"
    assert current == render_page(current), f"docs/configuration.md is out of step with settings.py; run {REGENERATE}"


def test_every_option_has_a_row() -> None:
    reference = render_reference()
    for option, path in leaf_paths().items():
        env = "ARIA_" + option.upper().replace("-", "_")
        assert f"| `{env}` | `{'.'.join(path)}` |" in reference, option


def test_the_hand_written_introduction_survives_regeneration() -> None:
    page = render_page(f"# Intro\n\nkept\n\n{MARKER}\nstale rows\n")
    assert page.startswith("# Intro\n\nkept\n\n" + MARKER)
    assert "stale rows" not in page
