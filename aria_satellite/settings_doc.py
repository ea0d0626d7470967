"""docs/satellite-configuration.md's reference tables, generated from the satellite's settings tree.

Contract: ``render_reference()`` is a pure function of ``SatelliteSettings``: one table per section
(top-level options first), one row per leaf with its option, environment variable, TOML key,
default, allowed values and description. ``python -m aria_satellite.settings_doc --write
docs/satellite-configuration.md`` rewrites the part below ``MARKER``;
``tests/structure/test_configuration_page.py`` fails when the page is out of step.
"""

from __future__ import annotations


from pydantic import BaseModel

from aria_wire.settings_doc import HEADER, page_main, replace_generated, row
from aria_wire.settings_tree import env_name, field_info, leaf_paths, section_names

from .config import ENV_PREFIX
from .settings import SatelliteSettings

MARKER = (
    "<!-- Generated from aria_satellite/settings.py by `python -m aria_satellite.settings_doc`: "
    "edit above this line only. -->"
)


def _title(name: str | None) -> str:
    if name is None:
        return "## Top level"
    model = SatelliteSettings.model_fields[name].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return f"## `[{name}]`: {(model.__doc__ or '').strip().splitlines()[0]}"


def render_reference() -> str:
    """The generated part of the page (everything after ``MARKER``)."""
    by_section: dict[str | None, list[str]] = {None: []}
    by_section.update({name: [] for name in section_names(SatelliteSettings)})
    for option, path in leaf_paths(SatelliteSettings).items():
        info = field_info(SatelliteSettings, path)
        line = row(option, env_name(ENV_PREFIX, option), ".".join(path), info)
        by_section[path[0] if len(path) > 1 else None].append(line)
    blocks = [f"{_title(name)}\n\n{HEADER}\n" + "\n".join(rows) for name, rows in by_section.items()]
    return "\n\n".join(blocks) + "\n"


def render_page(current: str) -> str:
    """``current`` with everything after ``MARKER`` regenerated."""
    return replace_generated(current, MARKER, render_reference())


def main(argv: list[str] | None = None) -> None:
    """Print the reference tables, or rewrite a page's generated part in place (``--write``)."""
    page_main("python -m aria_satellite.settings_doc", __doc__.splitlines()[0], render_page, render_reference, argv)


if __name__ == "__main__":
    main()
