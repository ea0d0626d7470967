"""What each release of the tier loads, for Aria's satellite as an ESPHome device (issue 22).

The ESPHome integration depends on ``bluetooth``; the tier's namespace has no adapters and no
D-Bus, as many Home Assistant hosts have none. Starting its config flow sets up its dependencies
(Home Assistant does that before it shows a form); with nothing listening on the ESPHome port the
flow must answer with its own connection error, not fail.
"""

from __future__ import annotations

from .harness import HomeAssistant

ESPHOME_PORT = 6053
"""Nothing listens there in the tier's namespace."""


async def test_the_esphome_integration_and_bluetooth_load_without_adapters(home_assistant: HomeAssistant) -> None:
    flow = await home_assistant.post("/api/config/config_entries/flow", {"handler": "esphome", "show_advanced_options": False})
    assert flow["type"] == "form" and flow["step_id"] == "user", flow
    try:
        answer = await home_assistant.post(
            f"/api/config/config_entries/flow/{flow['flow_id']}", {"host": "127.0.0.1", "port": ESPHOME_PORT}
        )
        assert answer["type"] == "form" and answer["errors"] == {"base": "connection_error"}, answer
    finally:
        async with home_assistant.http.delete(
            f"/api/config/config_entries/flow/{flow['flow_id']}", headers={"Authorization": f"Bearer {home_assistant.token}"}
        ):
            pass
    assert "bluetooth" in (await home_assistant.get("/api/config"))["components"]
    log = (home_assistant.config_dir / "home-assistant.log").read_text()
    assert not [line for line in log.splitlines() if "Setup failed for" in line and ("bluetooth" in line or "esphome" in line)]
