"""``aria-server`` / ``python -m aria_server``: argv -> settings -> run."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from .app import run
from .config import load_settings
from .errors import ConfigError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 2 for a bad setting or a missing model."""
    try:
        settings = load_settings(argv)
    except ConfigError as err:
        print(f"aria-server: {err.message}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        asyncio.run(run(settings))
    except ConfigError as err:
        logging.getLogger("aria_server").error("cannot start: %s", err.message)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
