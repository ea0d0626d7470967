"""A real Chromium (Debian's package, driven by Playwright) with a fake microphone playing a WAV.

Playwright cannot download its own browser here, so the system ``chromium`` is launched; the
fake microphone plays ``what_time_is_it_44k_stereo.wav`` once from the moment the page opens
the microphone, then silence (``%noloop``), as a user asking and then waiting would.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from ..conftest import AUDIO
from ..http.server_process import AriaProcess, running_server

QUESTION_WAV = AUDIO / "what_time_is_it_44k_stereo.wav"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    f"--use-file-for-fake-audio-capture={QUESTION_WAV}%noloop",
]
SCREENSHOTS = os.environ.get("ARIA_SCREENSHOT_DIR")
"""When set, the tests save what they saw there (for a person to look at)."""


def chromium_path() -> str:
    path = os.environ.get("ARIA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("the dashboard tests need Debian's Chromium: apt-get install -y chromium (or set ARIA_CHROMIUM)")
    return path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
async def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AriaProcess]:
    """The server the dashboard tests drive (loopback: no token)."""
    async with running_server(tmp_path_factory.mktemp("aria-web")) as server:
        yield server


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile per test (its own localStorage), phone-sized when a test asks for it."""
    ctx = await browser.new_context(viewport={"width": 1100, "height": 900})
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page whose console errors and uncaught exceptions fail the test."""
    opened = await context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda err: problems.append(f"uncaught: {err}"))
    yield opened
    assert not problems, problems


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot when ARIA_SCREENSHOT_DIR is set."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)
