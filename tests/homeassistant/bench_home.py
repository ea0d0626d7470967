"""A benchmark, not a test (its name keeps it out of the suite): ``aria-bench home`` against a real
Home Assistant with a household (``homes.py``: ``realistic``, ~40 exposed entities, or ``large``,
~300), in its own network namespace: Aria (a fresh server with its defaults: the bundled default
model, ``--ha-url``; an anonymous Wyoming client) and Home Assistant's own agent on the same
sentences, states set and read back over REST.

    ARIA_BENCH_HOME=large pytest -p no:cacheprovider tests/homeassistant/bench_home.py -s -k 2025.4.4

(``ARIA_BENCH_HOME``: realistic (default) or large; ``ARIA_BENCH_SENTENCES``: another set than the
shipped one, e.g. ``tests/homeassistant/large_home_sentences.jsonl``, the large home's shorter
run; tables in /tmp/fb/home-<home>-<release>.txt.)
"""

import asyncio
import os
import sys
from pathlib import Path

import pytest

from . import homes
from .conftest import ROOT, _environ
from .harness import HA_PORT
from .household import running_household, start_aria

OUT = Path("/tmp/fb")
PORT = 10411


@pytest.mark.timeout(3600)
async def test_bench_home(ha_workdir: Path, ha_release: str) -> None:
    name = os.environ.get("ARIA_BENCH_HOME", "realistic")
    assert name in homes.HOMES, f"ARIA_BENCH_HOME={name!r}: one of {homes.HOMES}"
    OUT.mkdir(exist_ok=True)
    async with running_household(ha_release, ha_workdir / f"bench-{name}", name) as household:
        aria = await start_aria(household, ha_workdir / f"bench-{name}" / "aria", PORT)
        try:
            command = [
                *household.namespace.prefix(), sys.executable, "-m", "aria_bench", "home", "--uri", f"tcp://127.0.0.1:{PORT}",
                "--ha-url", f"http://127.0.0.1:{HA_PORT}", "--ha-token-file", str(household.token_file), "--repeats", "1",
                "--warmup", "1", "--timeout", "300", "--json", str(OUT / f"home-{name}-{ha_release}.json"),
            ]
            if sentences := os.environ.get("ARIA_BENCH_SENTENCES"):
                command += ["--sentences", str(Path(sentences).resolve())]
            process = await asyncio.create_subprocess_exec(
                *command, cwd=str(ROOT), env=_environ(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            assert process.stdout is not None
            lines = []
            with (OUT / f"home-{name}-{ha_release}.txt").open("w") as written:
                # Written as it comes (one line per answer): a run cut short keeps its figures.
                async for line in process.stdout:
                    lines.append(line.decode())
                    written.write(lines[-1])
                    written.flush()
            await process.wait()
            output = "".join(lines)
            (OUT / f"home-{name}-aria-{ha_release}.log").write_text(aria.log)
            print(output[-8000:])
            assert process.returncode == 0, output[-2000:]  # the benchmark ran; its figures are not judged
        finally:
            await aria.stop()
