"""A benchmark, not a test (its name keeps it out of the suite): end of speech -> first reply audio
on a real ``aria-satellite`` for the same clips ("What time is it?", "Turn on the kitchen light.")
through three paths in one run, against the tier's real Home Assistant and one Aria server (its
defaults, the bundled models):

- ``aria-wyoming``: the satellite connected to Aria's server over Wyoming;
- ``ha-esphome``: the satellite in Home Assistant over the ESPHome API, Aria's pipeline;
- ``ha-wyoming``: the satellite in Home Assistant over Wyoming, Aria's pipeline.

    ARIA_BENCH_REPEATS=5 pytest -p no:cacheprovider tests/homeassistant/bench_paths.py -s -k 2025.4.4

prints a table per path and clip (median and p95, n, the per-stage split) and writes it to
/tmp/fb/paths-RELEASE.txt, the figures to /tmp/fb/paths-RELEASE.json. The benchmark itself is
``tests/homeassistant/paths.py``, run inside the tier's namespace.
"""

import asyncio
import os
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, _environ
from .harness import HomeAssistant
from .namespace import Namespace

OUT = Path("/tmp/fb")
REPEATS = int(os.environ.get("ARIA_BENCH_REPEATS", "5"))
"""Measured passes over the clips per path (ARIA_BENCH_REPEATS; the children never see ARIA_ variables)."""


@pytest.mark.timeout(7200)
async def test_bench_paths(namespace: Namespace, ha_workdir: Path, home_assistant: HomeAssistant, ha_release: str) -> None:
    OUT.mkdir(exist_ok=True)
    token = ha_workdir / "paths-token"
    token.write_text(home_assistant.token)
    token.chmod(0o600)
    command = [
        *namespace.prefix(), sys.executable, "-m", "tests.homeassistant.paths", "--release", ha_release,
        "--ha-token-file", str(token), "--work", str(ha_workdir / "paths"), "--repeats", str(REPEATS),
        "--warmup", "1", "--json", str(OUT / f"paths-{ha_release}.json"),
    ]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=str(ROOT), env=_environ(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output = (await process.communicate())[0].decode()
    (OUT / f"paths-{ha_release}.txt").write_text(output)
    print(output[-8000:])
    assert process.returncode == 0, output[-3000:]  # the benchmark ran; its figures are not judged
