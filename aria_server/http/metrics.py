"""``GET /metrics``: turns, stage latency histograms, errors, open sockets, connected satellites."""

from __future__ import annotations

from aiohttp import web

from ..turn_metrics import CONTENT_TYPE
from .keys import METRICS, SATELLITES, SOCKETS


async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition (``prometheus_client``'s text format)."""
    gauges: dict[str, tuple[str, float]] = {"aria_ws_connections": ("Open /ws connections.", len(request.app[SOCKETS]))}
    manager = request.app.get(SATELLITES)
    if manager is not None:
        gauges["aria_satellites_connected"] = ("Satellites with a connection up.", manager.connected_count())
        gauges["aria_satellites_known"] = ("Satellites configured or discovered.", len(manager.sessions))
    return web.Response(body=request.app[METRICS].render(gauges), headers={"Content-Type": CONTENT_TYPE})
