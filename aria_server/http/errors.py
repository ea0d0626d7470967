"""The one middleware that turns any AriaError into an HTTP answer, with its catalogued status.

Every failure leaves the server as ``{"error": {"code", "message"}}`` (plus ``fields`` for
settings validation), with a 4xx for the client's mistakes and a 5xx for ours.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from aria_wire.errors import JsonRejected
from aria_wire.jsonsafe import loads_bounded

from ..error_codes import http_status
from ..errors import AriaError, RequestError

__all__ = ["RequestError", "error_body", "error_middleware", "error_response", "read_json_object", "status_for"]

_LOGGER = logging.getLogger(__name__)


def status_for(err: AriaError) -> int:
    """HTTP status of a domain error reaching the edge: its code's, from the catalogue."""
    return http_status(err)


def error_body(code: str, message: str, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON body of every error answer."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = dict(fields)
    return {"error": error}


def error_response(err: AriaError) -> web.Response:
    """An AriaError as a JSON answer."""
    fields = err.fields if isinstance(err, RequestError) else None
    return web.json_response(error_body(err.code, err.message, fields), status=status_for(err))


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    415: "unsupported-media-type",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Translate AriaError and aiohttp's own HTTP errors into the JSON error body."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except AriaError as err:
        if status_for(err) >= 500:
            _LOGGER.error("%s %s failed: %s", request.method, request.path, err)
        return error_response(err)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http-error")
        # 405 must say which methods the path has (RFC 9110); aiohttp's exception knows them.
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.json_response(
            error_body(code, exc.reason if exc.text is None else _plain(exc)), status=exc.status, headers=headers
        )


def _plain(exc: web.HTTPException) -> str:
    """aiohttp's message for an HTTPException ("413: Request Entity Too Large" -> the reason text)."""
    text = exc.text or exc.reason
    return text.split(": ", 1)[1] if text.startswith(f"{exc.status}: ") else text


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a RequestError saying exactly what is wrong."""
    if request.content_type != "application/json":
        # Also closes the door to cross-site "simple" form posts, which cannot set this type.
        raise RequestError(
            f"send the body as application/json (got {request.content_type or 'no content type'})",
            "unsupported-media-type",
        )
    raw = await request.read()
    try:
        # Bounded: 30,000 levels of nesting or a 5,000-digit integer used to give a 500.
        body = loads_bounded(raw)
    except JsonRejected as err:
        raise JsonRejected(f"the body is not acceptable JSON: {err.message}") from err
    if not isinstance(body, dict):
        raise JsonRejected(f"the body must be a JSON object, not {type(body).__name__}")
    return body
