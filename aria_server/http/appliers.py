"""The settings the running server takes without a restart, each applied by one small function.

Everything else is read once at start-up by the component it configures (models, ports, the
conversation agent), so changing it is persisted and reported as needing a restart.
"""

from __future__ import annotations

import logging

from ..settings import ServerSettings


async def apply_log_level(old: ServerSettings, new: ServerSettings) -> set[str]:
    """``log_level``: the root logger's level, at once."""
    if old.log_level == new.log_level:
        return set()
    logging.getLogger().setLevel(new.log_level)
    return {"log_level"}


async def apply_allowed_origins(old: ServerSettings, new: ServerSettings) -> set[str]:
    """``http.allowed_origins``: the access policy reads the live settings on every request."""
    return {"http.allowed_origins"} if old.http.allowed_origins != new.http.allowed_origins else set()


APPLIERS = (apply_log_level, apply_allowed_origins)
