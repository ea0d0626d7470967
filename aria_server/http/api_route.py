"""One API route and what the OpenAPI description says about it (the table is ``routes.ROUTES``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """One API route and what the OpenAPI description says about it."""

    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    """The JSON body it accepts, when it takes one (validated the same way)."""
