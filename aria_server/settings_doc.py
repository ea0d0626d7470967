"""docs/configuration.md's reference tables, generated from the settings tree (``settings.py``).

Contract: ``render_reference()`` is a pure function of ``ServerSettings``: one table per section
(top-level options first), one row per leaf with its command-line option, environment variable,
TOML key, default, allowed values and description. The page keeps a hand-written introduction
above ``MARKER``; everything below it is this module's output, so
``python -m aria_server.settings_doc --write docs/configuration.md`` rewrites only that part,
and ``tests/structure/test_configuration_page.py`` fails when the page is out of step.
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .satellite_profiles import LEGACY_KEYS, PROFILES_OPTION, SatelliteProfile
from .settings import ServerSettings, default_data_dir, field_info, leaf_paths, section_names

MARKER = "<!-- Generated from aria_server/settings.py by `python -m aria_server.settings_doc`: edit above this line only. -->"

# Defaults that depend on the machine the page is generated on are shown as their rule.
_SHOWN_DEFAULTS = {default_data_dir: "`$XDG_DATA_HOME/aria` (`~/.local/share/aria`)"}


def _cell(text: str) -> str:
    """Markdown table cell: one line, no column breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def _toml(value: Any) -> str:
    """A default written the way the TOML file spells it."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _default(info: FieldInfo) -> str:
    factory = info.default_factory
    if factory is not None:
        if factory in _SHOWN_DEFAULTS:
            return _SHOWN_DEFAULTS[factory]
        return f"`{_toml(factory())}`"  # type: ignore[call-arg]
    return f"`{_toml(info.default)}`"


def _values(annotation: Any) -> str:
    """Allowed values of a Literal (inside a list or optional too), else the plain type's name."""
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin is Literal:
        return ", ".join(f"`{arg}`" for arg in typing.get_args(annotation))
    if origin is dict:
        return "table by satellite name (see `[satellites.NAME]`)"
    if origin is list:
        inner = args[0] if args else Any
        if typing.get_origin(inner) is typing.Annotated:
            inner = typing.get_args(inner)[0]
        return "list of " + _values(inner)
    if origin is typing.Annotated:
        return _values(args[0])
    if args:  # X | None
        return _values(args[0])
    return {bool: "true/false", int: "integer", float: "number", str: "text", Path: "path"}.get(annotation, str(annotation))


def _bounds(info: FieldInfo) -> str:
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    parts = [f"{words[name]} {getattr(meta, name)}" for meta in info.metadata for name in words if hasattr(meta, name)]
    return ", ".join(parts)


def _row(option: str, path: tuple[str, ...]) -> str:
    return _cells(option, path, field_info(path))


def _cells(option: str, path: tuple[str, ...], info: FieldInfo) -> str:
    env = "ARIA_" + option.split()[0].upper().replace("-", "_")
    toml = ".".join(path)
    allowed = _values(info.annotation)
    bounds = _bounds(info)
    if bounds:
        allowed = f"{allowed}, {bounds}"
    # BooleanOptionalAction; a table's NAME.KEY=VALUE entry takes true/false instead.
    flag = f"--[no-]{option}" if info.annotation is bool and " " not in option else f"--{option}"
    cells = [f"`{flag}`", f"`{env}`", f"`{toml}`", _default(info), allowed, info.description or ""]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


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
    return f"## `[satellites.NAME]`: one satellite's settings\n\n{intro}\n\n{_HEADER}\n" + "\n".join(rows)


_HEADER = "| option | environment | TOML | default | values | what it sets |\n|---|---|---|---|---|---|"


def render_reference() -> str:
    """The generated part of docs/configuration.md (everything after ``MARKER``)."""
    by_section: dict[str | None, list[str]] = {None: []}
    by_section.update({name: [] for name in section_names()})
    for option, path in leaf_paths().items():
        by_section[path[0] if len(path) > 1 else None].append(_row(option, path))
    blocks = [f"{_section_title(name)}\n\n{_HEADER}\n" + "\n".join(rows) for name, rows in by_section.items()]
    blocks.insert(list(by_section).index("satellites") + 1, _profile_block())
    return "\n\n".join(blocks) + "\n"


def render_page(current: str) -> str:
    """``current`` (the page as it is) with everything after ``MARKER`` regenerated."""
    intro, found, _ = current.partition(MARKER)
    if not found:
        raise ValueError(f"the page has no marker line {MARKER!r}")
    return f"{intro}{MARKER}\n\n{render_reference()}"


def main(argv: list[str] | None = None) -> None:
    """Print the reference tables, or rewrite a page's generated part in place (``--write``)."""
    parser = argparse.ArgumentParser(prog="python -m aria_server.settings_doc", description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, metavar="PAGE", help="rewrite PAGE's part below the marker line")
    args = parser.parse_args(argv)
    if args.write is None:
        print(render_reference(), end="")
        return
    args.write.write_text(render_page(args.write.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
