"""A pydantic settings tree as a program's command line, environment and TOML file.

Contract, for any tree of frozen pydantic models (a field whose type is a model is a section):

    option       --<section>-<field> (``--mic-device``), --<field> at the top (``--name``), or the
                 name a field gives itself with ``Annotated[..., Flag("wake-word")]`` (options
                 that kept their historical names); a bool is ``--x/--no-x``, a list or tuple is
                 repeatable
    environment  PREFIX + the option, upper case, ``-`` as ``_`` (``ARIA_SATELLITE_MIC_DEVICE``);
                 a list is comma-separated
    TOML         ``[section] field = ...``, or the option's spelling at the top of the file

Layers merge leaf by leaf, lowest first: defaults, file, environment, command line. Bad input of
any layer is a ``SettingsError`` whose message names the key and its option. Needs pydantic
(installed with the satellite and the server extras).
"""

from __future__ import annotations

import argparse
import tomllib
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .errors import SettingsError


@dataclass(frozen=True)
class Flag:
    """A leaf's own option name (without ``--``), instead of the derived one."""

    name: str


def _section_type(info: FieldInfo) -> type[BaseModel] | None:
    annotation = info.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _walk(model: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        section = _section_type(info)
        if section is not None:
            yield from _walk(section, path)
            continue
        flag = next((meta.name for meta in info.metadata if isinstance(meta, Flag)), None)
        yield flag or "-".join(path).replace("_", "-"), path


def leaf_paths(model: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """Option name (``mic-device``) -> path in the tree (``("mic", "device")``) for every leaf."""
    return dict(_walk(model, ()))


def section_names(model: type[BaseModel]) -> list[str]:
    """The top-level sections of ``model``, in declaration order."""
    return [name for name, info in model.model_fields.items() if _section_type(info) is not None]


def field_info(model: type[BaseModel], path: tuple[str, ...]) -> FieldInfo:
    """The pydantic FieldInfo at ``path``."""
    for part in path[:-1]:
        section = _section_type(model.model_fields[part])
        assert section is not None, f"{part} is not a section"
        model = section
    return model.model_fields[path[-1]]


def is_many(info: FieldInfo) -> bool:
    """A list leaf: a repeatable option, a comma-separated variable (a tuple is one value, e.g. a command)."""
    return typing.get_origin(info.annotation) is list


def add_options(parser: argparse.ArgumentParser, model: type[BaseModel]) -> None:
    """One option per leaf (defaults None, so that the layers below show through), grouped by section."""
    groups: dict[str, Any] = {}
    for option, path in leaf_paths(model).items():
        info = field_info(model, path)
        target = parser
        if len(path) > 1:
            section = field_info(model, path[:1]).annotation
            title = (getattr(section, "__doc__", "") or path[0]).strip().splitlines()[0].rstrip(".")
            target = groups.setdefault(path[0], parser.add_argument_group(f"[{path[0]}] {title}"))
        dest = "__".join(path)
        help_text = (info.description or "").replace("%", "%%")  # argparse formats help with %
        if info.annotation is bool:
            target.add_argument(f"--{option}", dest=dest, action=argparse.BooleanOptionalAction, help=help_text)
        elif is_many(info):
            target.add_argument(f"--{option}", dest=dest, action="append", metavar="VALUE", help=help_text)
        else:
            target.add_argument(f"--{option}", dest=dest, metavar="VALUE", help=help_text)


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def from_args(namespace: argparse.Namespace, model: type[BaseModel]) -> dict[str, Any]:
    """The leaves given on the command line (the program's own options are skipped)."""
    leaves = {"__".join(path) for path in leaf_paths(model).values()}
    tree: dict[str, Any] = {}
    for dest, value in vars(namespace).items():
        if dest in leaves and value is not None:
            _set(tree, tuple(dest.split("__")), value)
    return tree


def env_name(prefix: str, option: str) -> str:
    """``ARIA_SATELLITE_`` + ``mic-device`` -> ``ARIA_SATELLITE_MIC_DEVICE``."""
    return prefix + option.upper().replace("-", "_")


def from_env(
    model: type[BaseModel], environ: Mapping[str, str], prefix: str, ignore: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The leaves set in the environment; an unknown ``PREFIX*`` variable is a SettingsError (a typo)."""
    paths = leaf_paths(model)
    by_env = {env_name(prefix, option): path for option, path in paths.items()}
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(prefix) or name in ignore:
            continue
        path = by_env.get(name)
        if path is None:
            raise SettingsError(f"unknown environment variable {name}; known: {', '.join(sorted(by_env))}")
        many = is_many(field_info(model, path))
        _set(tree, path, [part.strip() for part in value.split(",") if part.strip()] if many else value)
    return tree


def from_toml(model: type[BaseModel], path: Path) -> dict[str, Any]:
    """The tree a TOML file sets (unknown keys are left for validation to name)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SettingsError(f"config file {path} does not exist") from err
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(f"config file {path} cannot be read: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"config file {path} is not valid TOML: {err}") from err
    paths = leaf_paths(model)
    sections = set(section_names(model))
    tree: dict[str, Any] = {}
    for key, value in raw.items():
        flat = key.replace("_", "-")
        if key in sections and isinstance(value, dict):
            tree = merge_trees(tree, {key: value})
        elif flat in paths and key not in sections:
            _set(tree, paths[flat], value)
        else:
            tree[key] = value
    return tree


def merge_trees(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new tree: ``base`` with ``override``'s leaves on top (nested sections merge key by key)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_trees(merged[key], value)
        else:
            merged[key] = value
    return merged


def _is_secret(leaf: str) -> bool:
    return leaf == "key" or leaf.endswith(("_key", "token", "password", "secret"))


def _hide_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: "(hidden)" if _is_secret(str(key)) else _hide_secrets(item) for key, item in value.items()}
    return value


def describe_validation_error(err: ValidationError, model: type[BaseModel]) -> str:
    """One line per bad key, naming the key, its option and what was given."""
    options = {path: option for option, path in leaf_paths(model).items()}
    lines = []
    for problem in err.errors():
        loc = tuple(str(part) for part in problem["loc"])
        # A list item's error (wake.words.0) is the list's option's; a section's own check has none.
        option = options.get(loc) or options.get(loc[:2])
        where = f" (--{option})" if option else ""
        detail = "unknown setting" if problem["type"] == "extra_forbidden" else problem["msg"]
        # A key or token goes to the log: never its value.
        given = "(hidden)" if loc and _is_secret(loc[-1]) else repr(_hide_secrets(problem.get("input")))
        lines.append(f"setting {'.'.join(loc) or 'settings'}{where}: {detail}; got {given}")
    return "\n".join(lines)


def validate_tree(model: type[BaseModel], tree: Mapping[str, Any]) -> Any:
    """``model`` validated from a merged tree; SettingsError naming each bad key."""
    try:
        return model.model_validate(dict(tree))
    except ValidationError as err:
        raise SettingsError(describe_validation_error(err, model)) from err
