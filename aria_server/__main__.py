"""``aria-server`` / ``python -m aria_server``: argv -> settings -> run."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .settings import ServerSettings

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
        start_problem = None
    except ConfigError as err:
        # The saved dashboard changes may be what is wrong: start on the last good ones if any.
        fallback = _last_good(argv)
        if fallback is None:
            print(f"aria-server: {err.message}", file=sys.stderr)
            return 2
        settings, start_problem = fallback, err.message
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    log = logging.getLogger("aria_server")
    if start_problem is not None:
        log.error("the saved configuration cannot start (%s); starting on the last configuration that did", start_problem)
    try:
        asyncio.run(run(settings, start_problem=start_problem))
    except ConfigError as err:
        fallback = _last_good(argv) if start_problem is None else None
        if fallback is None:
            log.error("cannot start: %s", err.message)
            return 2
        # The saved dashboard changes differ from those of the last good start: they may be the
        # cause (if the command line is, the retry fails the same way and the exit status is 2).
        log.error("cannot start (%s); starting on the last configuration that did", err.message)
        try:
            asyncio.run(run(fallback, start_problem=err.message))
        except ConfigError as again:
            log.error("cannot start: %s", again.message)
            return 2
    return 0


def _last_good(argv: Sequence[str] | None) -> ServerSettings | None:
    """Settings with the last good start's dashboard changes, or None (no such start, or no help)."""
    from .config import load_settings

    try:
        return load_settings(argv, last_good=True)
    except ConfigError:
        return None


if __name__ == "__main__":
    sys.exit(main())
