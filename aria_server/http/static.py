"""The dashboard's files: ``/`` is its page, ``/static/`` everything it imports (no build step)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
"""The dashboard, shipped inside the package (``aria_server/web``) so an installed wheel serves it."""


def setup(app: web.Application, web_dir: Path) -> None:
    """Serve ``web_dir``; without it, ``/`` says where the dashboard was expected."""
    index = web_dir / "index.html"

    async def page(request: web.Request) -> web.StreamResponse:
        if not index.is_file():
            raise web.HTTPNotFound(text=f"the dashboard is not installed (expected {index})")
        # The page is small and changes with the server: always revalidate it.
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.router.add_get("/", page)
    if web_dir.is_dir():
        app.router.add_static("/static/", web_dir, append_version=False)
