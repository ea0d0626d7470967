"""A configuration change survives ``kill -9``; the environment and command line still win over it."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from .server_process import run_until_exit, running_server, start_server


async def get_llm(url: str) -> dict[str, object]:
    async with aiohttp.ClientSession(base_url=url) as http, http.get("/config") as response:
        assert response.status == 200
        llm: dict[str, object] = (await response.json())["config"]["llm"]
        return llm


async def test_a_saved_change_survives_kill_9_and_a_restart(tmp_path: Path) -> None:
    server = await start_server(tmp_path)
    try:
        async with aiohttp.ClientSession(base_url=server.url) as http:
            async with http.post("/config", json={"llm": {"temperature": 0.25, "system_prompt": "Be kind."}}) as response:
                assert response.status == 200
    finally:
        await server.kill9()  # the answer was 200: the change must already be on disk

    async with running_server(tmp_path) as restarted:
        llm = await get_llm(restarted.url)
        assert llm["temperature"] == 0.25 and llm["system_prompt"] == "Be kind."

    # The operator's environment and command line still win over the dashboard's change.
    async with running_server(tmp_path, "--llm-system-prompt", "From the CLI.", env={"ARIA_LLM_TEMPERATURE": "0.9"}) as pinned:
        llm = await get_llm(pinned.url)
        assert llm["temperature"] == 0.9 and llm["system_prompt"] == "From the CLI."


async def test_a_bad_persisted_value_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"llm": {"temperature": 9}}')
    returncode, log = await run_until_exit(tmp_path)
    assert returncode == 2
    assert "llm.temperature" in log and str(tmp_path / "config.json") in log
