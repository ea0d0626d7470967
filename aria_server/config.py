"""Builds ServerSettings from a TOML file, the environment and the command line.

The option table is derived from the settings tree (see ``settings.leaf_paths``): option
``--stt-model`` is environment variable ``ARIA_STT_MODEL`` and TOML key ``stt.model`` (the flat
spelling ``stt-model = ...`` at the top of the file is accepted too).

Layers, lowest first: defaults, TOML file, dashboard changes persisted in the data directory
(``config_store.py``), environment, command line.
"""

from __future__ import annotations

import argparse
import os
import tomllib
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aria_wire.settings_tree import merge_trees

from .config_store import persisted_path, read_last_good, read_persisted
from .errors import ConfigError
from .satellite_profiles import PROFILES_OPTION, accepted_spellings, fold_section
from .settings import ServerSettings, default_data_dir, field_info, leaf_paths, section_names

ENV_PREFIX = "ARIA_"
# Not settings themselves: they say where the settings come from (ARIA_SERVER_OPTS: the systemd
# unit's command line, deploy/systemd/aria-server.service, always set in the server's environment).
_META_ENV = {"ARIA_CONFIG", "ARIA_SERVER_OPTS"}


def _option_paths() -> dict[str, tuple[str, ...]]:
    """Every option: one per leaf, and the older spellings that fill a leaf (``accepted_spellings``)."""
    return {**leaf_paths(), **accepted_spellings()}


def _is_list(path: tuple[str, ...]) -> bool:
    """Options given several times (a list, or a table's NAME.KEY=VALUE entries)."""
    if path in accepted_spellings().values():
        return True
    return typing.get_origin(field_info(path).annotation) in (list, dict)


def _is_bool(path: tuple[str, ...]) -> bool:
    return field_info(path).annotation is bool


def build_parser(prog: str = "aria-server") -> argparse.ArgumentParser:
    """One option per settings leaf, plus ``--config``; defaults are None so layers can merge."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Aria voice assistant server (Wyoming asr/tts/handle, HTTP API, dashboard).",
        argument_default=None,
    )
    parser.add_argument("--config", type=Path, help="TOML settings file (env ARIA_CONFIG)")
    spellings = accepted_spellings()
    for option, path in _option_paths().items():
        help_text = f"older spelling, fills {PROFILES_OPTION}" if option in spellings else field_info(path).description
        dest = "__".join(path)
        if option in spellings:
            parser.add_argument(f"--{option}", dest=dest, action="append", metavar="NAME=VALUE", help=help_text)
        elif _is_bool(path):
            parser.add_argument(f"--{option}", dest=dest, action=argparse.BooleanOptionalAction, help=help_text)
        elif _is_list(path):
            parser.add_argument(f"--{option}", dest=dest, action="append", metavar="VALUE", help=help_text)
        else:
            parser.add_argument(f"--{option}", dest=dest, metavar="VALUE", help=help_text)
    return parser


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _from_file(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"config file {path} does not exist") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from err
    paths = _option_paths()
    sections = set(section_names())
    tree: dict[str, Any] = {}
    for key, value in raw.items():
        flat = key.replace("_", "-")
        if key in sections and isinstance(value, dict):
            tree = merge_trees(tree, {key: value})
        elif flat in paths:
            _set(tree, paths[flat], value)
        else:
            tree[key] = value  # left for validation to reject with its name
    return tree


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    by_env = {ENV_PREFIX + option.upper().replace("-", "_"): path for option, path in _option_paths().items()}
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        # ARIA_SATELLITE_*: the satellite program's own (aria_satellite/config.py), on a shared machine.
        if not name.startswith(ENV_PREFIX) or name in _META_ENV or name.startswith("ARIA_SATELLITE_"):
            continue
        path = by_env.get(name)
        if path is None:
            known = ", ".join(sorted(by_env))
            raise ConfigError(f"unknown environment variable {name}; known: {known}")
        parsed: Any = [v.strip() for v in value.split(",") if v.strip()] if _is_list(path) else value
        _set(tree, path, parsed)
    return tree


def _from_args(namespace: argparse.Namespace) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dest, value in vars(namespace).items():
        if dest == "config" or value is None:
            continue
        _set(tree, tuple(dest.split("__")), value)
    return tree


def _option_for(loc: tuple[Any, ...]) -> str:
    """How the command line spells the key at ``loc`` (a profile key: its NAME.KEY=VALUE entry)."""
    if loc[:2] == ("satellites", "profiles") and len(loc) > 2:
        return f"{PROFILES_OPTION} {'.'.join(str(p) for p in loc[2:])}=..."
    return "--" + "-".join(str(p) for p in loc).replace("_", "-")


def fold_layer(tree: Mapping[str, Any], source: str) -> dict[str, Any]:
    """One layer with the per-satellite table in its one form, so layers merge it key by key."""
    section = tree.get("satellites")
    if not isinstance(section, Mapping):
        return dict(tree)
    try:
        return {**tree, "satellites": fold_section(section)}
    except ValueError as err:
        raise ConfigError(f"setting satellites.profiles ({source}): {err}") from err


def describe_validation_error(err: ValidationError) -> str:
    """One line per bad key, naming the key as an option and what is allowed."""
    lines = []
    for problem in err.errors():
        key = ".".join(str(p) for p in problem["loc"])
        option = _option_for(tuple(problem["loc"]))
        allowed = problem.get("ctx", {}).get("expected")
        detail = problem["msg"] if problem["type"] != "extra_forbidden" else "unknown setting"
        suffix = f" (allowed: {allowed})" if allowed and str(allowed) not in detail else ""
        lines.append(f"setting {key} ({option}): {detail}{suffix}; got {problem.get('input')!r}")
    return "\n".join(lines)


def validate_tree(tree: Mapping[str, Any]) -> ServerSettings:
    """Validate a nested dict into ServerSettings, raising ConfigError that names each bad key."""
    try:
        return ServerSettings.model_validate(dict(tree))
    except ValidationError as err:
        raise ConfigError(describe_validation_error(err)) from err


def load_settings(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    last_good: bool = False,
) -> ServerSettings:
    """argv + environment + persisted dashboard changes + optional TOML file -> validated settings.

    ConfigError on a bad value, naming the persisted file when dashboard changes were applied.
    ``last_good``: use the changes of the last good start instead of the saved ones
    (ConfigError ``no-last-good`` when there is no such start, or it ran on the same changes).
    """
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    config_path = args.config or (Path(environ["ARIA_CONFIG"]) if environ.get("ARIA_CONFIG") else None)
    tree = fold_layer(_from_file(config_path), f"file {config_path}") if config_path else {}
    pinned = merge_trees(fold_layer(_from_env(environ), "environment"), fold_layer(_from_args(args), "command line"))
    # Dashboard changes (config_store.py) sit between the file and the environment.
    data_dir = Path(merge_trees(tree, pinned).get("data_dir") or default_data_dir())
    persisted = read_persisted(data_dir)
    if last_good:
        previous = read_last_good(data_dir)
        if previous is None or previous == persisted:
            raise ConfigError("no earlier configuration has started here", code="no-last-good")
        persisted = previous
    persisted = fold_layer(persisted, "dashboard changes")
    try:
        return validate_tree(merge_trees(merge_trees(tree, persisted), pinned))
    except ConfigError as err:
        if persisted:
            raise ConfigError(f"{err.message}\n(dashboard changes are kept in {persisted_path(data_dir)})") from err
        raise
