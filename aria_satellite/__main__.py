"""``aria-satellite`` / ``python -m aria_satellite``: argv, environment, TOML file -> settings -> run."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from aria_wire.errors import SettingsError

from .app import run
from .config import build_parser, settings_from_args
from .devices import describe, list_devices

__all__ = ["build_parser", "main", "settings_from_args"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 2 for a bad setting or a missing part."""
    args = build_parser().parse_args(argv)
    if args.list_devices:
        try:
            print(describe(list_devices()))
        except OSError as err:
            print(f"aria-satellite: {err}", file=sys.stderr)
            return 2
        return 0
    try:
        settings = settings_from_args(args)
    except SettingsError as err:
        # One line per bad key, naming its option: the next start after a config change says what to fix.
        print(f"aria-satellite: {err.message}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if settings.mic.file is not None and not settings.mic.file.is_file():
        print(f"aria-satellite: --mic-file {settings.mic.file} does not exist", file=sys.stderr)
        return 2
    try:
        asyncio.run(run(settings))
    except (ValueError, OSError) as err:
        logging.getLogger("aria_satellite").error("cannot start: %s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
