"""``aria-server`` / ``python -m aria_server``: argv -> settings -> run."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from .errors import ConfigError

SERVER_EXTRA_HINT = "pip install 'aria-voice[server]' (or scripts/setup.sh in a clone)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 2 for a bad setting, a missing model or a satellite-only install."""
    try:
        # Imported here, not at the top: on a satellite-only install these packages are absent
        # and the user gets one line saying what to install rather than a traceback.
        from .app import run
        from .config import load_settings
    except ModuleNotFoundError as err:
        print(f"aria-server: the server is not installed here ({err.name} is missing): {SERVER_EXTRA_HINT}",
              file=sys.stderr)
        return 2
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
