"""Every route of the HTTP face, in one table (the OpenAPI description is built from it)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..settings import ServerSettings
from . import config_views, conversations, health, metrics, models, openapi, satellites, static, ws
from .api_route import Route

ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", health.get_health, "Overall and per-stage health (503 when down)"),
    Route("GET", "/models", models.get_models, "LLM models of the active backend, STT models and TTS voices"),
    Route("GET", "/config", config_views.get_config, "The settings tree (secrets masked) and pending restarts"),
    Route("GET", "/config/schema", config_views.get_config_schema, "JSON Schema of the settings"),
    Route(
        "POST", "/config", config_views.post_config, "Merge a partial settings tree; persisted, applied live where possible",
        body=ServerSettings,
    ),
    Route("GET", "/satellites", satellites.get_satellites, "Every satellite's live state"),
    Route(
        "POST", "/satellites/{name}/announce", satellites.post_announce, "Speak a text on a satellite (answers once played)",
        body=satellites.Announcement,
    ),
    Route(
        "POST", "/satellites/{name}/start-conversation", satellites.post_start_conversation,
        "Speak, then listen without a wake word; the reply is a normal turn", body=satellites.ConversationStart,
    ),
    Route(
        "POST", "/satellites/{name}/ask", satellites.post_ask,
        "Ask a question; which of the given answers was heard (null on silence)", body=satellites.Question,
    ),
    Route(
        "POST", "/satellites/{name}/config", satellites.post_satellite_config,
        "Change an Aria satellite's wake threshold and refractory time", body=satellites.SatelliteSettingsChange,
    ),
    Route(
        "POST", "/broadcast", satellites.post_broadcast, "Speak a text on every satellite but the excluded ones",
        body=satellites.Broadcast,
    ),
    Route("GET", "/conversations", conversations.list_conversations, "Stored conversations, most recent first"),
    Route("GET", "/conversations/{id}", conversations.get_conversation, "One conversation's turns with per-stage spans"),
    Route("DELETE", "/conversations/{id}", conversations.delete_conversation, "Forget one conversation and its turns"),
    Route("GET", "/metrics", metrics.get_metrics, "Prometheus text: turns, stage latency histograms, errors, satellites"),
    Route("GET", "/ws", ws.websocket, "The conversation WebSocket (JSON messages and binary PCM frames)"),
)


async def get_openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of ROUTES."""
    return web.json_response(openapi.build_spec(ROUTES))


def setup_routes(app: web.Application, web_dir: Path) -> None:
    """Add the API routes, the OpenAPI description and the dashboard's files."""
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
    app.router.add_get("/openapi.json", get_openapi)
    static.setup(app, web_dir)

