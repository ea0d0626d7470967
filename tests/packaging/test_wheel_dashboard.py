"""The dashboard ships inside the wheel: an installed (not editable) server serves it.

The fresh venv gets the wheel without dependencies; the dependencies come from the test's own
environment through a path entry (not a site dir, so its editable install of this checkout is
not picked up), which keeps the test fast while every ``aria_*`` module comes from the wheel.
"""

from __future__ import annotations

import site
from pathlib import Path

import aiohttp

from ..http.server_process import start_server
from .conftest import fresh_venv, run


async def test_an_installed_wheel_serves_the_dashboard(tmp_path: Path, wheel: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    run(python, "-m", "pip", "install", "-q", "--no-deps", wheel)
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (purelib / "test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    where = run(python, "-c", "import aria_server; print(aria_server.__file__)", cwd=tmp_path).stdout.strip()
    assert where.startswith(str(purelib)), where

    server = await start_server(tmp_path / "data", python=str(python), cwd=tmp_path)
    try:
        async with aiohttp.ClientSession(server.url) as http:
            async with http.get("/") as response:
                assert response.status == 200 and "text/html" in response.content_type
                page = await response.text()
            assert "/static/js/main.js" in page
            async with http.get("/static/js/main.js") as response:
                assert response.status == 200 and "import" in await response.text()
    finally:
        await server.stop()
