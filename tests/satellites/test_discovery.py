"""Zeroconf: a satellite advertises itself; the manager finds it, checks it is one, and drives it."""

from __future__ import annotations

from pathlib import Path

from ..netns import in_network_namespace
from .conftest import StartManager, StartSatellite
from .harness import wait_until


@in_network_namespace
async def test_an_advertised_satellite_is_found_and_run(
    tmp_path: Path, start_satellite: StartSatellite, start_manager: StartManager
) -> None:
    satellite = await start_satellite(
        "zeroconf-room", "--wake-word", "none", "--mic-file", str(Path(__file__).parents[1] / "fixtures" / "audio" /
                                                                  "turn_on_the_lamp.wav"),
        "--snd-file", str(tmp_path / "out.wav"), zeroconf=True,
    )
    manager = await start_manager([], browse=True)
    row = await wait_until(
        lambda: next((r for r in manager.snapshot() if r["name"] == "zeroconf-room" and r["connected"]), None),
        what="the satellite found over zeroconf",
    )
    assert row["source"] == "zeroconf" and row["address"] == f"tcp://127.0.0.1:{satellite.port}"
    await satellite.wait_state("waiting", reason="run-satellite")
