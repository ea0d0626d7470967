"""A bigger home (``homes.py``) running: its own namespace, Home Assistant and Aria.

The tier's package fixtures run the normal home, which the other tier tests rely on; a household
runs beside it in a namespace of its own (both Home Assistants listen on 8123), for the home
benchmark (``bench_home.py``) and ``test_household.py``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from . import homes
from .conftest import ROOT, _environ
from .harness import HA_PORT, HomeAssistant
from .namespace import Namespace, NamespaceUnavailable
from .processes import LoggedProcess


@dataclass
class RunningHousehold:
    namespace: Namespace
    ha: HomeAssistant
    home: homes.Household
    token_file: Path


@contextlib.asynccontextmanager
async def running_household(release: str, workdir: Path, name: str) -> AsyncIterator[RunningHousehold]:
    """Home Assistant ``release`` with the ``name`` household, onboarded and furnished."""
    import pytest

    home = homes.household(name)
    try:
        namespace = await Namespace.create()
    except NamespaceUnavailable as err:
        pytest.skip(f"no network namespace for Home Assistant: {err}")
    try:
        ha = await HomeAssistant.start(namespace, workdir, release, homes.package(home))
        try:
            await ha.onboard()
            ws = await ha.websocket()
            try:
                await ha.assign_areas(ws)
                await ha.furnish(ws)
                await homes.furnish(ws, home)
            finally:
                await ws.close()
            token_file = workdir / "household-token"
            token_file.write_text(ha.token)
            token_file.chmod(0o600)
            yield RunningHousehold(namespace, ha, home, token_file)
        finally:
            await ha.stop()
    finally:
        await namespace.close()


async def start_aria(household: RunningHousehold, data_dir: Path, port: int, *extra: str) -> LoggedProcess:
    """``python -m aria_server`` in the household's namespace, its home this Home Assistant,
    serving Wyoming on ``port`` (no HTTP API); ``extra``: more arguments (a model ...)."""
    aria = await LoggedProcess.start(
        "household aria",
        [
            *household.namespace.prefix(), sys.executable, "-m", "aria_server", "--data-dir", str(data_dir),
            "--host", "127.0.0.1", "--wyoming-port", str(port), "--http-port", "0", "--no-zeroconf",
            f"--ha-url=http://127.0.0.1:{HA_PORT}", f"--ha-token-file={household.token_file}",
            "--llm-first-token-timeout-s=120", *extra,
        ],
        cwd=str(ROOT), env=_environ(),
    )
    try:
        await aria.wait_for_line(r"Wyoming server listening on tcp://", 600)
        if aria.count(r"is not available at start-up"):
            # A loaded machine missed the model's start-up check: the home's mapping needs the model.
            await aria.wait_for_line(r"is reachable again", 600)
    except BaseException:
        await aria.stop()
        raise
    return aria
