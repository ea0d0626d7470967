"""Reference tables of a settings tree in Markdown, shared by both programs' configuration pages.

Contract: pure functions of pydantic ``FieldInfo``s; a page keeps a hand-written introduction above
its marker line and ``replace_generated`` rewrites only what follows it (each program's
``settings_doc`` module says which tree and which page; a test per page keeps it in step).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic.fields import FieldInfo

HEADER = "| option | environment | TOML | default | values | what it sets |\n|---|---|---|---|---|---|"

_NAMES = {bool: "true/false", int: "integer", float: "number", str: "text", Path: "path", bytes: "base64 text"}


def cell(text: str) -> str:
    """Markdown table cell: one line, no column breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def toml_value(value: Any) -> str:
    """A default written the way the TOML file spells it."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "__dataclass_fields__"):  # a wake word: its command-line form
        return json.dumps(str(getattr(value, "model", value)), ensure_ascii=False)
    return repr(value)


def default_text(info: FieldInfo, shown: Mapping[Callable[..., Any], str] | None = None) -> str:
    """The default, or for a machine-dependent one (``shown``: factory -> words) its rule."""
    factory = info.default_factory
    if factory is not None:
        if shown and factory in shown:
            return shown[factory]
        return f"`{toml_value(factory())}`"  # type: ignore[call-arg]
    return f"`{toml_value(info.default)}`"


def values_text(annotation: Any, table: str = "table") -> str:
    """Allowed values of a Literal (inside a list or optional too), else the plain type's name."""
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin is Literal:
        return ", ".join(f"`{arg}`" for arg in typing.get_args(annotation))
    if origin is dict:
        return table
    if origin is tuple:
        return "text, split like a shell command (a list in TOML)"
    if origin is list:
        inner = args[0] if args else Any
        if typing.get_origin(inner) is typing.Annotated:
            inner = typing.get_args(inner)[0]
        return "list of " + values_text(inner, table)
    if origin is typing.Annotated:
        return values_text(args[0], table)
    if args:  # X | None
        return values_text(args[0], table)
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def bounds_text(info: FieldInfo) -> str:
    """``>= 0, <= 10`` from the field's constraints."""
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    parts = [f"{words[name]} {getattr(meta, name)}" for meta in info.metadata for name in words if hasattr(meta, name)]
    return ", ".join(parts)


def row(
    option: str, env: str, toml: str, info: FieldInfo, *, table: str = "table",
    shown: Mapping[Callable[..., Any], str] | None = None,
) -> str:
    """One table row; a bool option is ``--[no-]x`` (argparse's BooleanOptionalAction)."""
    allowed = values_text(info.annotation, table)
    if bounds := bounds_text(info):
        allowed = f"{allowed}, {bounds}"
    flag = f"--[no-]{option}" if info.annotation is bool and " " not in option else f"--{option}"
    cells = [f"`{flag}`", f"`{env}`", f"`{toml}`", default_text(info, shown), allowed, info.description or ""]
    return "| " + " | ".join(cell(text) for text in cells) + " |"


def replace_generated(current: str, marker: str, reference: str) -> str:
    """``current`` (the page as it is) with everything after ``marker`` replaced by ``reference``."""
    intro, found, _ = current.partition(marker)
    if not found:
        raise ValueError(f"the page has no marker line {marker!r}")
    return f"{intro}{marker}\n\n{reference}"


def page_main(prog: str, description: str, render_page: Callable[[str], str], render_reference: Callable[[], str],
              argv: list[str] | None = None) -> None:
    """A settings page's command line: print the reference tables, or rewrite a page's generated
    part in place (``--write PAGE``)."""
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--write", type=Path, metavar="PAGE", help="rewrite PAGE's part below the marker line")
    args = parser.parse_args(argv)
    if args.write is None:
        print(render_reference(), end="")
        return
    args.write.write_text(render_page(args.write.read_text(encoding="utf-8")), encoding="utf-8")
