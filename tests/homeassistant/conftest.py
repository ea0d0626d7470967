"""The Home Assistant tier's fixtures: one namespace, one Aria, one Home Assistant per release.

Package-scoped and parametrized by ``ha_release`` (ids ``2025.4.4``, ``2026.2.3``): pytest runs
every test of the tier against one release, stops it, then runs them against the next, so only
one Home Assistant runs at a time, and none once the tier is done (the rest of the suite does not
share the machine with an idle Home Assistant). ``-k 2026.2.3`` picks one release.

A release is skipped, with the reason, when it is not installed (scripts/ha-setup.sh says why:
each release needs its own Python); the tier is skipped when no network namespace can be created.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .harness import (
    HA_PORT,
    RELEASES,
    HomeAssistant,
    HomeAssistantWs,
    missing_requirements,
    start_bridge,
    unix_session,
)
from .namespace import Namespace, NamespaceUnavailable
from .processes import LoggedProcess

_LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
CLIPS = ROOT / "aria_bench" / "clips"
ARIA_WYOMING_PORT = 10300
ARIA_HTTP_PORT = 8780
SATELLITE_PORT = 10700
"""Fixed ports inside the namespace: nothing else listens there."""


@dataclass
class Aria:
    """Aria's server in the namespace: its process, an HTTP session to its API, the socket its
    Wyoming port is bridged to (``unix://`` for the official client) and its Home Assistant token file."""

    process: LoggedProcess
    bridge: LoggedProcess
    http: aiohttp.ClientSession
    wyoming_bridge: LoggedProcess
    wyoming_socket: Path
    ha_token_file: Path


@dataclass
class AriaEntry:
    """Aria added to Home Assistant with the Wyoming config flow."""

    entry: dict[str, Any]
    entities: list[str]
    stt: str
    tts: str
    conversation: str


@pytest.fixture(scope="package", params=RELEASES)
def ha_release(request: pytest.FixtureRequest) -> str:
    """The Home Assistant release of this run of the tier (skipped, with why, when not installed)."""
    release: str = request.param
    if (reason := missing_requirements(release)) is not None:
        pytest.skip(reason)
    return release


@pytest.fixture(scope="package")
async def namespace(ha_release: str) -> AsyncIterator[Namespace]:
    """A fresh namespace per release: nothing of one release's run is left listening for the next."""
    try:
        ns = await Namespace.create()
    except NamespaceUnavailable as err:
        pytest.skip(f"no network namespace for Home Assistant: {err}")
    yield ns
    await ns.close()


@pytest.fixture(scope="package")
def ha_workdir(tmp_path_factory: pytest.TempPathFactory, ha_release: str) -> Path:
    return tmp_path_factory.mktemp(f"ha-{ha_release}-")


@pytest.fixture(scope="package")
async def aria(namespace: Namespace, ha_workdir: Path, gguf: Path, home_assistant: HomeAssistant) -> AsyncIterator[Aria]:
    """``python -m aria_server`` with the bundled models (the embedded language model included),
    Home Assistant as its home (``--ha-url``, the long-lived token in an owner-only file)."""
    data_dir = ha_workdir / "aria-data"
    token_file = ha_workdir / "ha-token"
    token_file.write_text(home_assistant.token)
    token_file.chmod(0o600)
    process = await LoggedProcess.start(
        "aria-server",
        [
            *namespace.prefix(), sys.executable, "-m", "aria_server", "--data-dir", str(data_dir),
            "--host", "127.0.0.1", "--wyoming-port", str(ARIA_WYOMING_PORT), "--http-port", str(ARIA_HTTP_PORT),
            "--no-zeroconf", "--llm-backend", "embedded", "--llm-model", str(gguf),
            # CI shares two cores: the first token of the tiny model may be slow (a liveness bound).
            "--llm-first-token-timeout-s", "60",
            "--ha-url", f"http://127.0.0.1:{HA_PORT}", "--ha-token-file", str(token_file),
        ],
        cwd=str(ROOT), env=_environ(),
    )
    bridges: list[LoggedProcess] = []
    try:
        await process.wait_for_line(r"HTTP API on http://", 240)
        await process.wait_for_line(r"Wyoming server listening on tcp://", 240)
        bridges.append(await start_bridge(namespace, ha_workdir / "aria.sock", ARIA_HTTP_PORT, "aria bridge"))
        bridges.append(
            await start_bridge(namespace, ha_workdir / "aria-wyoming.sock", ARIA_WYOMING_PORT, "aria wyoming bridge")
        )
    except BaseException:
        for bridge in bridges:
            await bridge.stop()
        await process.stop()
        raise
    http = unix_session(ha_workdir / "aria.sock", ARIA_HTTP_PORT)
    yield Aria(process, bridges[0], http, bridges[1], ha_workdir / "aria-wyoming.sock", token_file)
    await http.close()
    for bridge in bridges:
        await bridge.stop()
    await process.stop()


@pytest.fixture(scope="package")
async def home_assistant(namespace: Namespace, ha_workdir: Path, ha_release: str) -> AsyncIterator[HomeAssistant]:
    """Home Assistant started, onboarded (long-lived token) and its lights put in their areas."""
    ha = await HomeAssistant.start(namespace, ha_workdir, ha_release)
    try:
        await ha.onboard()
        ws = await ha.websocket()
        try:
            await ha.assign_areas(ws)
            await ha.furnish(ws)
        finally:
            await ws.close()
        yield ha
    finally:
        await ha.stop()


@pytest.fixture(scope="package")
async def ha_ws(home_assistant: HomeAssistant) -> AsyncIterator[HomeAssistantWs]:
    ws = await home_assistant.websocket()
    yield ws
    await ws.close()


@pytest.fixture(scope="package")
async def ha_mcp(home_assistant: HomeAssistant, ha_ws: HomeAssistantWs) -> dict[str, Any]:
    """Home Assistant's MCP server integration set up (Assist API) and the lights exposed to Assist."""
    entry = await home_assistant.add_mcp_server()
    await home_assistant.expose(ha_ws, ["light.kitchen_light", "light.living_room_light"])
    return entry


@pytest.fixture(scope="package")
async def aria_entry(home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria: Aria) -> AriaEntry:
    entry = await home_assistant.add_wyoming(ARIA_WYOMING_PORT)
    entities = await home_assistant.entities_of(ha_ws, entry["entry_id"])

    def one(domain: str) -> str:
        found = [e for e in entities if e.startswith(f"{domain}.")]
        assert len(found) == 1, f"expected one {domain} entity from Aria, got {entities}"
        return found[0]

    return AriaEntry(entry, entities, one("stt"), one("tts"), one("conversation"))


@pytest.fixture(scope="package")
async def aria_pipeline(home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_entry: AriaEntry) -> str:
    """Aria for every stage; Home Assistant's preferred pipeline (satellites use it)."""
    pipeline = await home_assistant.create_pipeline(
        ha_ws, "Aria", conversation=aria_entry.conversation, stt=aria_entry.stt, tts=aria_entry.tts
    )
    await ha_ws.call("assist_pipeline/pipeline/set_preferred", pipeline_id=pipeline)
    return pipeline


@pytest.fixture(scope="package")
async def ha_agent_pipeline(home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_entry: AriaEntry) -> str:
    """Aria's speech, Home Assistant's own conversation agent (for the side-by-side timings)."""
    return await home_assistant.create_pipeline(
        ha_ws, "Aria speech, HA agent", conversation="conversation.home_assistant", stt=aria_entry.stt, tts=aria_entry.tts
    )


@dataclass
class Satellite:
    """Aria's satellite in the namespace, added to Home Assistant: its log and what it played."""

    process: LoggedProcess
    played: Path
    entry: dict[str, Any]
    entities: list[str]

    @property
    def entity(self) -> str:
        return next(e for e in self.entities if e.startswith("assist_satellite."))

    def frames_played(self) -> int:
        if not self.played.exists():
            return 0
        with wave.open(str(self.played), "rb") as wav:
            return wav.getnframes()


@pytest.fixture(scope="package")
async def satellite(
    namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_ws: HomeAssistantWs, aria_pipeline: str
) -> AsyncIterator[Satellite]:
    """``python -m aria_satellite`` (turn on speech, "What time is it?" as its microphone from the
    first run-satellite, sound written to a WAV), added with the Wyoming config flow; Home
    Assistant then runs it with the preferred (Aria) pipeline."""
    played = ha_workdir / "satellite-played.wav"
    process = await LoggedProcess.start(
        "aria-satellite",
        [
            *namespace.prefix(), sys.executable, "-m", "aria_satellite", "--name", "kitchen-satellite", "--area", "Kitchen",
            "--host", "127.0.0.1", "--port", str(SATELLITE_PORT), "--no-zeroconf", "--no-esphome", "--wake-word", "none",
            "--mic-file", str(CLIPS / "what_time_is_it.wav"), "--snd-file", str(played), "--no-chimes",
        ],
        cwd=str(ROOT), env=_environ(),
    )
    try:
        await process.wait_for_line(r"satellite \S+ ready on tcp://", 120)
        entry = await home_assistant.add_wyoming(SATELLITE_PORT)
        entities = await home_assistant.entities_of(ha_ws, entry["entry_id"])
        yield Satellite(process, played, entry, entities)
    finally:
        await process.stop()


@pytest.fixture(scope="package")
def timings(ha_workdir: Path, ha_release: str) -> Any:
    """Figures the tier measures (never asserted on): written to ha-timings.json and logged at the end."""
    records: dict[str, list[float]] = {}
    yield records
    if records:
        (ha_workdir / "ha-timings.json").write_text(json.dumps(records, indent=2))
        for name, values in records.items():
            line = f"HA tier timing ({ha_release}) {name}: median {statistics.median(values):.0f} ms ({', '.join(f'{v:.0f}' for v in values)})"
            _LOGGER.info("%s", line)
            print(line)


def read_clip(name: str) -> bytes:
    """A benchmark clip's PCM (16 kHz, 16-bit, mono: what Home Assistant's pipeline takes)."""
    with wave.open(str(CLIPS / f"{name}.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16_000, 2, 1)
        return wav.readframes(wav.getnframes())


def _environ() -> dict[str, str]:
    """This environment without the developer's ARIA_ settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
