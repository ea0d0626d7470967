"""The embedded model's own speed on this machine: time to the first token and to the end of the
first sentence of an answer, in-process through the agent's prompt (no speech), with N threads.
Run from the repository root:  python scripts/bench-llm-first-clause.py [THREADS]
(a figure for docs/benchmarks.md, not a test)
"""
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from aria_server.config import validate_tree
from aria_server.conversation import create_agent

QUESTIONS = ["What is the capital of France?", "Why is the sky blue?", "How far away is the moon?",
             "Who wrote Romeo and Juliet?"]


async def main(threads: int) -> None:
    # A fixed data directory: the bundled model is copied into it once.
    settings = validate_tree({"data_dir": str(Path(tempfile.gettempdir()) / "aria-bench-llm"), "zeroconf": False, "llm": {
        "backend": "embedded", "temperature": 0.0, "threads": threads, "first_token_timeout_s": 300}})
    agent = create_agent(settings)
    await agent.start()
    assert agent.chain is not None
    for i, question in enumerate(QUESTIONS * 2):  # the second round finds each prompt cached
        messages = agent._messages_for(f"first-clause-{i}-{time.time()}", question)
        started, first, text = time.perf_counter(), None, ""
        async for _backend, item in agent.chain.stream(messages, []):
            if isinstance(item, str) and item:
                first = first or time.perf_counter()
                text += item
                if "." in text:
                    break
        done = time.perf_counter()
        print(f"first token {(first - started) * 1000:.0f} ms, first sentence {(done - started) * 1000:.0f} ms: {text!r}")
    await agent.aclose()


asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2))
