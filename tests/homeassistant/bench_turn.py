"""A benchmark, not a test (its name keeps it out of the suite): ``aria-bench turn`` inside the
tier's network namespace, against the tier's real Home Assistant, on a fresh Aria with
``--ha-url``. End of speech -> first reply audio on a real satellite for

- "Turn on the kitchen light." (the bundled clip): Home Assistant's intent engine, the fast path;
- "Please make the kitchen light glow." (Piper): the intent engine cannot parse it, the bundled
  model calls Home Assistant's ``HassTurnOn`` over MCP (``--ha-mcp sse``).

    pytest -p no:cacheprovider tests/homeassistant/bench_turn.py -s    (tables in /tmp/fb/tier-*-RELEASE.txt)

(once per Home Assistant release of the tier; ``-k 2025.4.4`` for one.)
"""

import asyncio
import shutil
import sys
from pathlib import Path

from tests.satellites.harness import ClipMaker

from .conftest import ROOT, _environ
from .harness import HA_PORT

OUT = Path("/tmp/fb")


async def test_bench(namespace, ha_workdir, home_assistant, ha_mcp) -> None:
    OUT.mkdir(exist_ok=True)
    work = ha_workdir / "bench"
    work.mkdir(exist_ok=True)
    token = work / "token"
    token.write_text(home_assistant.token)
    token.chmod(0o600)
    shutil.copy(ROOT / "aria_bench/clips/turn_on_the_kitchen_light.wav", work / "kitchen.wav")
    tool = ClipMaker(work).clip("tool", 0.3, "Please make the kitchen light glow.", 1.0)
    (work / "manifest.tsv").write_text(
        f"kitchen.wav\tTurn on the kitchen light.\thome\n{tool.name}\tPlease make the kitchen light glow.\tllm\n"
    )
    for name, mcp in (("fast", "off"), ("tools", "sse")):
        command = [
            *namespace.prefix(), sys.executable, "-m", "aria_bench", "turn", "--uri", "tcp://127.0.0.1:0",
            "--start-server", "--clips", str(work / "manifest.tsv"), "--repeats", "5", "--warmup", "1",
            "--timeout", "300", "--json", str(OUT / f"tier-{name}-{home_assistant.release}.json"),
            f"--server-arg=--ha-url=http://127.0.0.1:{HA_PORT}", f"--server-arg=--ha-token-file={token}",
            "--server-arg=--llm-temperature=0", "--server-arg=--llm-first-token-timeout-s=120",
            f"--server-arg=--ha-mcp={mcp}",
        ]
        process = await asyncio.create_subprocess_exec(
            *command, cwd=str(ROOT), env=_environ(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output = (await process.communicate())[0].decode()
        (OUT / f"tier-{name}-{home_assistant.release}.txt").write_text(output)
        print(name, output[-3000:])
        assert process.returncode == 0, output[-2000:]  # the benchmark ran; its figures are not judged
