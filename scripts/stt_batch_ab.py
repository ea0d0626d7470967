"""Batch STT, servers measured alternately: each clip goes to every server in turn (A B C, the order
rotated each round), so machine load falls on all of them alike. A recording is sent at once (not
paced), with 0.6 s of trailing silence; latency from ``audio-stop`` to the final ``transcript``.

    python scripts/stt_batch_ab.py ROUNDS NAME=tcp://HOST:PORT ...   (the last server is the reference)

Prints median / p95 / ratio to the reference / WER per server, the median paired difference to the
reference (same clip, same round) and the 1-minute load average during the run. ``scripts/stt-batch-ab.sh``
starts Aria (this checkout and another revision) and wyoming-faster-whisper and runs it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys

from aria_bench.clips import BUNDLED_MANIFEST, load_manifest, read_pcm16k, silence
from aria_bench.errors import BenchError
from aria_bench.stt import SttOptions, transcribe_once
from aria_bench.wer import score


def _options(uri: str) -> SttOptions:
    return SttOptions(
        uri=uri, clips=(), repeats=1, warmup=0, realtime=False, trailing_silence=0.6, language="en",
        timeout=60.0, pid=None, max_other_cpu=None,
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main(rounds: int, servers: dict[str, str]) -> None:
    clips = load_manifest(BUNDLED_MANIFEST, None)
    audio = {clip.name: read_pcm16k(clip.path) + silence(0.6) for clip in clips}
    names = list(servers)
    latency: dict[str, list[float]] = {name: [] for name in names}
    errors = {name: [0, 0] for name in names}
    for name in names:  # warm-up, unmeasured; a server may still be loading its model
        for attempt in range(60):
            try:
                await transcribe_once(_options(servers[name]), audio[clips[0].name], False)
                break
            except BenchError:
                if attempt == 59:
                    raise
                await asyncio.sleep(1.0)
    loads = []
    for index in range(rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for clip in clips:
            for name in order:
                text, seconds = await transcribe_once(_options(servers[name]), audio[clip.name], False)
                latency[name].append(seconds * 1000)
                counted = score(clip.reference, text)
                errors[name][0] += counted.errors
                errors[name][1] += counted.words
        loads.append(os.getloadavg()[0])
    reference = names[-1]
    ref_median = statistics.median(latency[reference])
    for name in names:
        paired = statistics.median(a - b for a, b in zip(latency[name], latency[reference], strict=True))
        print(
            f"{name:8s} n={len(latency[name])} median {statistics.median(latency[name]):5.0f} ms  "
            f"p95 {_p95(latency[name]):5.0f} ms  ratio {statistics.median(latency[name]) / ref_median:.3f}  "
            f"paired diff to {reference} {paired:+.0f} ms  WER {errors[name][0] / errors[name][1]:.3f}"
        )
    print(f"1-min load average during the run: min {min(loads):.1f}, median {statistics.median(loads):.1f}, max {max(loads):.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), dict(arg.split("=", 1) for arg in sys.argv[2:])))
