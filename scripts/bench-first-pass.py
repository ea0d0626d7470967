"""A measurement, not a test: is the first pass's 10 s window as good a transcript as Whisper's
30 s decode, and does its confidence say when it is not?

Speaks every question of aria_bench/questions.jsonl and every sentence of
aria_bench/home_sentences.jsonl in three deterministic voices (the bundled Piper voice, espeak-ng
en-us and en-gb+f3: 582 clips), cuts each where the session would (the first pass at a pause:
the speech plus 128 ms; the full decode at the end of the turn: plus 250 ms), and decodes each
with the window fitted to the utterance (the old first pass), the 10 s window (the first pass, with
its mean log-probability per token) and the 30 s decode. Prints the WER of each, of "the 10 s
words when at least this sure, else the 30 s decode" for several thresholds, and per confidence
bucket which of the two heard better. Takes ~25 minutes on two cores.

    .venv/bin/python scripts/bench-first-pass.py [--limit N] [--json rows.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from aria_bench.make_clips import ESPEAK_GB_F, ESPEAK_US, PIPER, Speaker
from aria_bench.wer import corpus_wer, score
from aria_server.config import validate_tree
from aria_server.services import close_services, load_services
from aria_server.stt.session import FIRST_PASS_WINDOW_S
from aria_server.vad.base import FRAME_SAMPLES

ROOT = Path(__file__).resolve().parents[1]
PAUSE_SAMPLES = 2048  # 128 ms: the first pass reads the words at the pause
END_SAMPLES = 4000  # 250 ms: vad.speech_pad_ms, the full decode's window at the end of the turn
THRESHOLDS = (-0.2, -0.3, -0.4, -0.5, -0.6)
BUCKETS = ((-9.0, -0.6), (-0.6, -0.5), (-0.5, -0.4), (-0.4, -0.3), (-0.3, -0.2), (-0.2, 0.1))


def sentences() -> list[str]:
    texts = []
    for name, key in (("questions.jsonl", "question"), ("home_sentences.jsonl", "text")):
        for line in (ROOT / "aria_bench" / name).read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get(key):
                texts.append(row[key])
    return texts


async def measure(limit: int | None) -> list[dict]:
    settings = validate_tree({"data_dir": tempfile.mkdtemp(), "zeroconf": False, "llm": {"backend": "none"}})
    services = await load_services(settings)
    assert services.stt is not None
    decoder, vad = services.stt.decoder, services.stt.vad
    speaker, rows = Speaker(), []
    for text in sentences()[:limit]:
        for voice in (PIPER, ESPEAK_US, ESPEAK_GB_F):
            audio = np.concatenate([np.zeros(4800), speaker.say(text, voice), np.zeros(16_000)])
            pcm = (audio * 32767).clip(-32768, 32767).astype(np.int16)
            speech = [i for i, p in enumerate(vad.session().probabilities(pcm)) if p >= settings.vad.threshold]
            if not speech:
                continue
            start, last = max(0, speech[0] * FRAME_SAMPLES - END_SAMPLES), (speech[-1] + 1) * FRAME_SAMPLES
            at_pause, at_end = pcm[start : last + PAUSE_SAMPLES], pcm[start : last + END_SAMPLES]
            fitted = decoder.decode_fitted(at_pause, "en")
            first = decoder.decode_fitted(at_pause, "en", min_window_s=FIRST_PASS_WINDOW_S)
            full, _ = decoder.decode(at_end, "en")
            row = {"text": text, "voice": voice.name, "fitted": fitted.text, "first": first.text,
                   "sure": round(first.avg_logprob, 3), "full": " ".join(full)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    close_services(services)
    return rows


def report(rows: list[dict]) -> None:
    def wer(pick) -> tuple[float, int]:
        picks = [pick(row) for row in rows]
        return corpus_wer([score(row["text"], row[p]) for row, p in zip(rows, picks)]), picks.count("first")

    print(f"\n{len(rows)} clips")
    for source in ("fitted", "first", "full"):
        print(f"  {source:34} WER {wer(lambda row, s=source: s)[0]:.3f}")
    for threshold in THRESHOLDS:
        value, firsts = wer(lambda row, t=threshold: "first" if row["sure"] >= t else "full")
        print(f"  first when sure >= {threshold:<5} else full   WER {value:.3f} ({firsts} by the first pass)")
    print("  per confidence bucket: clips, WER first / full, clips each heard better")
    for low, high in BUCKETS:
        part = [row for row in rows if low <= row["sure"] < high]
        if part:
            first = [score(row["text"], row["first"]) for row in part]
            full = [score(row["text"], row["full"]) for row in part]
            better = sum(a.errors < b.errors for a, b in zip(first, full))
            worse = sum(a.errors > b.errors for a, b in zip(first, full))
            print(f"  [{low:5}, {high:4}) {len(part):3}  {corpus_wer(first):.3f} / {corpus_wer(full):.3f}"
                  f"  first {better}, full {worse}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N sentences")
    parser.add_argument("--json", type=Path, help="read rows from this file instead of measuring")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.json.read_text().splitlines()] if args.json else asyncio.run(measure(args.limit))
    report(rows)


if __name__ == "__main__":
    main()
