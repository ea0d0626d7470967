"""Who may call the API: the token, the Host and Origin checks, and the middleware applying them.

Rules:
- Bound to a loopback address (127.0.0.0/8, ::1, ``localhost``), no token is needed unless
  ``http.require_token`` says so; bound anywhere else, every API call and ``/ws`` needs the
  token: ``Authorization: Bearer TOKEN``, or ``?token=TOKEN`` on the WebSocket (browsers cannot
  set headers on one). The dashboard's files themselves are public; they hold no data.
- Without a token, the Host header must name a loopback address: a web page cannot reach the
  API through DNS rebinding (evil.example resolving to 127.0.0.1).
- A browser's Origin must be the server's own, or one listed in ``http.allowed_origins``, so
  another site open in the same browser cannot drive ``/ws`` or change the configuration.

The token is generated at first start, kept in ``<data-dir>/http-token`` (mode 0600) and
logged once, when it is created.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..concurrency import run_blocking
from .errors import RequestError, error_response

_LOGGER = logging.getLogger(__name__)

TOKEN_FILE = "http-token"
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = frozenset({"/", "/index.html", "/favicon.ico"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or a Host header's name) is this machine only."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere


def token_required(host: str, force: bool) -> bool:
    """The token rule: required off loopback, or when forced by ``http.require_token``."""
    return force or not is_loopback(host)


def _load_or_create(path: Path) -> tuple[str, bool]:
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token, False
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return token, True


async def load_or_create_token(data_dir: Path) -> str:
    """The API token of this data directory, created (and logged, once) on first use."""
    path = data_dir / TOKEN_FILE
    token, created = await run_blocking(None, _load_or_create, path)
    if created:
        _LOGGER.warning("API token created (shown only this once; kept in %s): %s", path, token)
    else:
        _LOGGER.info("API token required; it is kept in %s", path)
    return token


class AccessPolicy:
    """The checks one request must pass; ``token`` None means loopback without a token."""

    def __init__(self, token: str | None, allowed_origins: Callable[[], Iterable[str]]) -> None:
        self.token = token
        self._allowed_origins = allowed_origins
        """Read on every request, so a configuration change applies at once."""

    def check(self, request: web.Request) -> None:
        """Raise RequestError (401/403) when the request may not proceed."""
        if self.token is None and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
            raise RequestError(f"host {request.host!r} is not allowed without a token", "host-not-allowed")
        origin = request.headers.get("Origin")
        if origin is not None and not self._origin_allowed(request, origin):
            raise RequestError(f"origin {origin!r} is not allowed", "origin-not-allowed")
        if self.token is not None and not _has_token(request, self.token):
            raise RequestError(
                "this server needs its API token (Authorization: Bearer TOKEN; ?token=TOKEN on /ws)",
                "unauthorized",
            )

    def _origin_allowed(self, request: web.Request, origin: str) -> bool:
        origin = origin.rstrip("/")
        own = f"{request.scheme}://{request.host}"
        return origin == own or origin in {allowed.rstrip("/") for allowed in self._allowed_origins()}


def _has_token(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    offered = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not offered and request.path == "/ws":
        offered = request.query.get("token", "")
    return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


def is_public(path: str) -> bool:
    """The dashboard's own files: served to anyone who can reach the port."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def access_middleware(policy: AccessPolicy) -> Middleware:
    """A middleware enforcing ``policy`` on everything but the dashboard's files."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_public(request.path):
            try:
                policy.check(request)
            except RequestError as err:
                response = error_response(err)
                if response.status == 401:
                    response.headers["WWW-Authenticate"] = 'Bearer realm="aria"'
                return response
        return await handler(request)

    return middleware
