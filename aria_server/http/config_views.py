"""``GET /config``, ``GET /config/schema`` and ``POST /config``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..settings import ServerSettings
from .errors import read_json_object
from .keys import CONFIG
from .live_config import is_secret, masked


async def get_config(request: web.Request) -> web.Response:
    """The configured settings tree (secrets masked) and what awaits a restart."""
    config = request.app[CONFIG]
    return web.json_response({"config": masked(config.settings), "restart_required": config.restart_required})


async def post_config(request: web.Request) -> web.Response:
    """Merge a partial tree; 4xx naming each bad field (nothing stored), else what it did."""
    change = await read_json_object(request)
    config = request.app[CONFIG]
    result = await config.change(change)
    return web.json_response(
        {
            "config": masked(config.settings),
            "changed": result.changed,
            "applied": result.applied,
            "restart_required": result.restart_required,
        }
    )


def settings_schema() -> dict[str, Any]:
    """JSON Schema of the settings, marked for the form: read-only and secret fields."""
    schema = ServerSettings.model_json_schema()
    schema["properties"]["data_dir"]["readOnly"] = True
    for name, definition in schema.get("$defs", {}).items():
        section = name.removesuffix("Settings").lower()
        for field, prop in definition.get("properties", {}).items():
            if is_secret(f"{section}.{field}"):
                prop["writeOnly"] = True
                prop["format"] = "password"
    return schema


async def get_config_schema(request: web.Request) -> web.Response:
    """The JSON Schema the dashboard builds its settings form from."""
    return web.json_response(settings_schema())
