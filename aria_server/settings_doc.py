"""docs/configuration.md's reference tables, generated from the settings tree (``settings.py``).

Contract: ``render_reference()`` is a pure function of ``ServerSettings``: one table per section
(top-level options first), one row per leaf with its command-line option, environment variable,
TOML key, default, allowed values and description. The page keeps a hand-written introduction
above ``MARKER``; everything below it is this module's output, so
``python -m aria_server.settings_doc --write docs/configuration.md`` rewrites only that part,
and ``tests/structure/test_configuration_page.py`` fails when the page is out of step.
"""

from __future__ import annotations


from pydantic import BaseModel
from pydantic.fields import FieldInfo

from aria_wire.settings_doc import HEADER, page_main, replace_generated, row

from .satellite_profiles import LEGACY_KEYS, PROFILES_OPTION, SatelliteProfile
from .settings import ServerSettings, default_data_dir, field_info, leaf_paths, section_names

MARKER = "<!-- Generated from aria_server/settings.py by `python -m aria_server.settings_doc`: edit above this line only. -->"

_TABLE = "table by satellite name (see `[satellites.NAME]`)"
# Defaults that depend on the machine the page is generated on are shown as their rule.
_SHOWN_DEFAULTS = {default_data_dir: "`$XDG_DATA_HOME/aria` (`~/.local/share/aria`)"}


def _row(option: str, path: tuple[str, ...]) -> str:
    return _cells(option, path, field_info(path))


def _cells(option: str, path: tuple[str, ...], info: FieldInfo) -> str:
    env = "ARIA_" + option.split()[0].upper().replace("-", "_")
    return row(option, env, ".".join(path), info, table=_TABLE, shown=_SHOWN_DEFAULTS)


def _section_title(name: str | None) -> str:
    if name is None:
        return "## Top level"
    model = ServerSettings.model_fields[name].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    summary = (model.__doc__ or "").strip().splitlines()[0]
    return f"## `[{name}]`: {summary}"


def _profile_block() -> str:
    """The per-satellite table's keys: one row each, spelled as a NAME.KEY=VALUE entry."""
    rows = [
        _cells(f"{PROFILES_OPTION.removeprefix('--')} NAME.{key}=VALUE", ("satellites", "NAME", key), info)
        for key, info in SatelliteProfile.model_fields.items()
    ]
    older = ", ".join(f"`--satellites-{key.replace('_', '-')}`" for key in LEGACY_KEYS)
    intro = (
        f"{SatelliteProfile.__doc__} The older list options {older} (`NAME=VALUE`; trusted: names) "
        "and their `ARIA_` and TOML forms fill the same table."
    )
    return f"## `[satellites.NAME]`: one satellite's settings\n\n{intro}\n\n{HEADER}\n" + "\n".join(rows)


def render_reference() -> str:
    """The generated part of docs/configuration.md (everything after ``MARKER``)."""
    by_section: dict[str | None, list[str]] = {None: []}
    by_section.update({name: [] for name in section_names()})
    for option, path in leaf_paths().items():
        by_section[path[0] if len(path) > 1 else None].append(_row(option, path))
    blocks = [f"{_section_title(name)}\n\n{HEADER}\n" + "\n".join(rows) for name, rows in by_section.items()]
    blocks.insert(list(by_section).index("satellites") + 1, _profile_block())
    return "\n\n".join(blocks) + "\n"


def render_page(current: str) -> str:
    """``current`` (the page as it is) with everything after ``MARKER`` regenerated."""
    return replace_generated(current, MARKER, render_reference())


def main(argv: list[str] | None = None) -> None:
    """Print the reference tables, or rewrite a page's generated part in place (``--write``)."""
    page_main("python -m aria_server.settings_doc", __doc__.splitlines()[0], render_page, render_reference, argv)


if __name__ == "__main__":
    main()
