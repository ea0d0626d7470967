"""``GET /satellites`` and ``POST /satellites/{name}/announce``."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..satellites.manager import SatelliteManager
from .errors import RequestError, read_json_object
from .keys import SATELLITES


class Announcement(BaseModel):
    """What to say on a satellite."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=10_000, description="text spoken on the satellite")


def _manager(request: web.Request) -> SatelliteManager:
    manager = request.app.get(SATELLITES)
    if manager is None:
        raise RequestError("this server manages no satellites", "no-satellites", status=404)
    return manager


async def get_satellites(request: web.Request) -> web.Response:
    """Every satellite's live state, connected ones first."""
    manager = request.app.get(SATELLITES)
    return web.json_response({"satellites": manager.snapshot() if manager is not None else []})


async def post_announce(request: web.Request) -> web.Response:
    """Speak a text on one satellite; answers once it was played (404 unknown, 409 not connected)."""
    body = await read_json_object(request)
    try:
        announcement = Announcement.model_validate(body)
    except ValidationError as err:
        fields = {".".join(str(p) for p in e["loc"]): e["msg"] for e in err.errors()}
        raise RequestError("; ".join(f"{k}: {v}" for k, v in fields.items()), "bad-announcement", fields=fields) from err
    result = await _manager(request).announce(request.match_info["name"], announcement.text)
    return web.json_response(result)
