"""Builds SatelliteSettings from a TOML file, the environment and the command line.

The option table is derived from the settings tree (``aria_wire.settings_tree``), as the server's
is: option ``--mic-device`` is environment variable ``ARIA_SATELLITE_MIC_DEVICE`` and TOML key
``[mic] device``. Layers, lowest first: defaults, the TOML file (``--config PATH``, or
``ARIA_SATELLITE_CONFIG``), environment, command line.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aria_wire.settings_tree import add_options, from_args, from_env, from_toml, merge_trees, validate_tree

from .settings import SatelliteSettings

ENV_PREFIX = "ARIA_SATELLITE_"
CONFIG_ENV = "ARIA_SATELLITE_CONFIG"
"""Not a setting: it says where the settings file is."""
NOT_SETTINGS = frozenset({CONFIG_ENV, "ARIA_SATELLITE_OPTS"})
"""``ARIA_SATELLITE_OPTS`` is the systemd unit's command line (deploy/systemd/aria-satellite.service),
always set in the satellite's environment."""

ONE_OF = {"mic": ("device", "command", "file"), "snd": ("device", "command", "file"), "esphome": ("key", "key_file")}
"""Keys of a section that are one choice: a layer that sets one of them replaces the lower layers'
choice (``--mic-file`` on the command line wins over ``[mic] device`` in the file)."""


def build_parser() -> argparse.ArgumentParser:
    """``aria-satellite``'s command line: one option per setting, plus ``--config`` and ``--list-devices``."""
    parser = argparse.ArgumentParser(
        prog="aria-satellite",
        description="Aria satellite: a Wyoming satellite server (microphone, speaker, local wake word). "
        f"Every option is also an environment variable ({ENV_PREFIX}MIC_DEVICE) and a key of the --config file.",
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help=f"TOML settings file (env {CONFIG_ENV})")
    parser.add_argument("--list-devices", action="store_true", help="print the sound devices and exit")
    add_options(parser, SatelliteSettings)
    return parser


def _over(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on ``base``, a choice (``ONE_OF``) made above replacing the one made below."""
    kept = dict(base)
    for section, keys in ONE_OF.items():
        chosen = override.get(section)
        below = kept.get(section)
        if isinstance(chosen, Mapping) and isinstance(below, Mapping) and any(key in chosen for key in keys):
            kept[section] = {key: value for key, value in below.items() if key not in keys}
    return merge_trees(kept, override)


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> SatelliteSettings:
    """Parsed command line + environment + the TOML file -> validated settings (SettingsError naming each bad key)."""
    environ = os.environ if environ is None else environ
    config = args.config or (Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else None)
    tree = from_toml(SatelliteSettings, config) if config is not None else {}
    tree = _over(tree, from_env(SatelliteSettings, environ, ENV_PREFIX, NOT_SETTINGS))
    tree = _over(tree, from_args(args, SatelliteSettings))
    settings: SatelliteSettings = validate_tree(SatelliteSettings, tree)
    return settings


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> SatelliteSettings:
    """argv + environment + optional TOML file -> validated settings."""
    return settings_from_args(build_parser().parse_args(argv), environ)
