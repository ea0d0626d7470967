"""The aiohttp application factory and the runner that serves it next to the Wyoming server."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import WSCloseCode, web

from ..config_store import ConfigStore
from ..conversation.agent import Agent
from ..errors import ConfigError
from ..satellites.manager import SatelliteManager
from ..services import Services
from ..settings import ServerSettings
from .appliers import APPLIERS
from .auth import AccessPolicy, access_middleware, load_or_create_token, token_required
from .errors import error_middleware
from .keys import AGENT, CONFIG, METRICS, SATELLITES, SERVICES, SOCKETS
from .live_config import LiveConfig
from .models import check_stt_model, check_tts_voice
from .routes import setup_routes
from .static import WEB_DIR

_LOGGER = logging.getLogger(__name__)


async def _close_sockets(app: web.Application) -> None:
    """On shutdown, close every open ``/ws`` so their handlers finish."""
    sockets: set[web.WebSocketResponse] = app[SOCKETS]
    await asyncio.gather(
        *(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown") for ws in list(sockets)),
        return_exceptions=True,
    )


def create_app(
    config: LiveConfig,
    services: Services,
    *,
    agent: Agent,
    satellites: SatelliteManager | None,
    token: str | None,
    web_dir: Path = WEB_DIR,
) -> web.Application:
    """The HTTP API, ``/ws`` and the dashboard over the given services (their pipeline and metrics).

    ``token`` None serves without one (the caller decided the bind address allows it);
    the error middleware is outermost so access refusals get the same JSON body.
    """
    policy = AccessPolicy(token, lambda: config.settings.http.allowed_origins)
    app = web.Application(
        middlewares=[error_middleware, access_middleware(policy)],
        client_max_size=config.settings.http.max_body_bytes,
    )
    app[CONFIG] = config
    app[SERVICES] = services
    app[AGENT] = agent
    app[METRICS] = services.metrics
    if satellites is not None:
        app[SATELLITES] = satellites
    app[SOCKETS] = set()
    app.on_shutdown.append(_close_sockets)
    setup_routes(app, web_dir)
    return app


class HttpServer:
    """Serves an application on host:port (port 0 picks a free one; see ``port`` after start)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        # No access log: a /ws URL can carry the token in its query.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._site is not None and self._runner.addresses, "server not started"
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        """Base URL of the API and dashboard."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and start serving."""
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.requested_port, shutdown_timeout=5.0)
        await self._site.start()

    async def stop(self) -> None:
        """Close sockets, stop accepting, finish in-flight requests."""
        await self._runner.cleanup()


async def start_http(settings: ServerSettings, services: Services, satellites: SatelliteManager | None) -> HttpServer:
    """Open the persisted configuration, decide on the token, bind and log the URL."""
    if services.agent is None:
        raise ConfigError("the HTTP API needs the conversation agent", code="no-agent")
    store = await ConfigStore.open(settings.data_dir)
    config = LiveConfig(settings, store, APPLIERS, checks={"stt.model": check_stt_model, "tts.voice": check_tts_voice})
    needs_token = token_required(settings.host, settings.http.require_token)
    token = await load_or_create_token(settings.data_dir) if needs_token else None
    app = create_app(config, services, agent=services.agent, satellites=satellites, token=token)
    server = HttpServer(app, settings.host, settings.http.port)
    await server.start()
    _LOGGER.info("HTTP API on %s (dashboard: %s/)%s", server.url, server.url, "; the API token is required" if token else "")
    return server
