"""A tool-call turn's reply -> first answer, in-process: the bundled Qwen, the tiny lights home of
tests/tools/home.py as tools (warmed first). Run from the repository root:
    python scripts/bench-tool-turn.py 6   (a figure for the report, not a test; uses /tmp/toolbench/data)
"""
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from aria_bench.stats import median, p95
from aria_server.config import validate_tree
from aria_server.conversation import create_agent
from aria_server.tools.toolbox import Toolbox
from tests.tools.home import LightsHome


async def main(n: int) -> None:
    settings = validate_tree({"data_dir": "/tmp/toolbench/data", "zeroconf": False,
        "llm": {"backend": "embedded", "temperature": 0.0, "context_size": 2048, "threads": 2, "first_token_timeout_s": 300}})
    home = LightsHome()
    agent = create_agent(settings, tools=Toolbox([home]))
    await agent.start()
    await agent._warming
    firsts, wholes = [], []
    for i in range(n):
        text = ["Please turn on the kitchen light.", "Please turn off the kitchen light."][i % 2]
        t0 = time.perf_counter(); first = None; out = ""
        async for d in agent.reply(f"bench-{i}-{time.time()}", text, language="en"):
            first = first or time.perf_counter(); out += d
        wholes.append(time.perf_counter() - t0); firsts.append((first or time.perf_counter()) - t0)
        print(f"{i}: first {firsts[-1]*1000:.0f} ms, whole {wholes[-1]*1000:.0f} ms: {out!r} load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"first answer: median {median(firsts)*1000:.0f} ms, p95 {p95(firsts)*1000:.0f} ms, "
          f"max {max(firsts)*1000:.0f} ms over {n}")
    await agent.aclose()

asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
