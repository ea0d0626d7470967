"""A benchmark, not a test (its name keeps it out of the suite): ``aria-bench home`` inside the
tier's network namespace against the tier's real Home Assistant: Aria (a fresh server with its
defaults: the bundled default model, ``--ha-url``; an anonymous Wyoming client) and Home
Assistant's own agent on the same sentences, states set and read back over REST.

    pytest -p no:cacheprovider tests/homeassistant/bench_home.py -s    (tables in /tmp/fb/home-*.txt)
"""

import asyncio
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, _environ
from .harness import HA_PORT
from .processes import LoggedProcess

OUT = Path("/tmp/fb")
PORT = 10411


@pytest.mark.timeout(3600)
async def test_bench_home(namespace, ha_workdir, home_assistant) -> None:
    OUT.mkdir(exist_ok=True)
    token = ha_workdir / "bench-home-token"
    token.write_text(home_assistant.token)
    token.chmod(0o600)
    aria = await LoggedProcess.start(
        "bench-home aria",
        [
            *namespace.prefix(), sys.executable, "-m", "aria_server", "--data-dir", str(ha_workdir / "bench-home"),
            "--host", "127.0.0.1", "--wyoming-port", str(PORT), "--http-port", "0", "--no-zeroconf",
            f"--ha-url=http://127.0.0.1:{HA_PORT}", f"--ha-token-file={token}", "--llm-first-token-timeout-s=120",
        ],
        cwd=str(ROOT), env=_environ(),
    )
    try:
        await aria.wait_for_line(r"Wyoming server listening on tcp://", 600)
        command = [
            *namespace.prefix(), sys.executable, "-m", "aria_bench", "home", "--uri", f"tcp://127.0.0.1:{PORT}",
            "--ha-url", f"http://127.0.0.1:{HA_PORT}", "--ha-token-file", str(token), "--repeats", "1",
            "--warmup", "1", "--timeout", "300", "--json", str(OUT / "home.json"),
        ]
        process = await asyncio.create_subprocess_exec(
            *command, cwd=str(ROOT), env=_environ(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output = (await process.communicate())[0].decode()
        (OUT / "home.txt").write_text(output)
        (OUT / "home-aria.log").write_text(aria.log)
        print(output[-6000:])
        assert process.returncode == 0, output[-2000:]  # the benchmark ran; its figures are not judged
    finally:
        await aria.stop()
