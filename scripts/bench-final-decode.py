"""WER of a spoken turn's transcript, stt.final_decode full vs first-pass, through the real
StreamingSession in simulated real time (the turn-taking's whole-request and hanging-word checks,
Smart Turn, tiny.en), on the shipped clip sets (bundled, paused, questions: 31 clips; the larger,
window-by-window measurement on 582 clips is ``scripts/bench-first-pass.py``). Prints each first
pass's words and confidence. Run from the repository root:
    python scripts/bench-final-decode.py      (a figure for docs/turn-taking.md, not a test)
"""
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from aria_bench.clips import NAMED_SETS, load_manifest, read_pcm16k
from aria_bench.wer import corpus_wer, score
from aria_server.config import validate_tree
from aria_server.services import close_services, load_services
from aria_server.stt.service import SpeechService
from aria_server.turn_taking.turn import TurnContext, TurnTaking
from aria_server.vad.endpointer import VadEventType
from aria_wire.audio import PcmFormat
from tests.conftest import AudioClock

CHUNK = 1024  # 32 ms of 16 kHz int16
MODES = ("full", "first-pass")


async def main() -> None:
    logging.basicConfig(format="    %(message)s")
    logging.getLogger("aria_server.stt.session").setLevel(logging.DEBUG)  # the first passes' confidence
    settings = validate_tree({"data_dir": tempfile.mkdtemp(), "zeroconf": False, "llm": {"backend": "none"}})
    services = await load_services(settings)
    assert services.stt is not None and services.agent is not None
    taking = TurnTaking.for_agent(settings.vad, services.agent)
    clips = [clip for name in ("bundled", "paused", "questions") for clip in load_manifest(NAMED_SETS[name])]
    for mode in MODES:
        stt = SpeechService(services.stt.decoder, services.stt.vad, settings.vad, 60, services.stt.end_of_turn, mode)
        scores, made = [], []
        for clip in clips:
            pcm = read_pcm16k(clip.path) + bytes(2 * 32_000)  # 2 s of silence after it
            clock = AudioClock()
            turn = taking.begin(TurnContext("bench", "en", speculate=False))
            session = stt.start(PcmFormat(16_000, 2, 1), "en", endpointing=True, clock=clock, turn=turn)
            for offset in range(0, len(pcm), CHUNK):
                clock.advance(CHUNK / 32_000)
                if any(e.type is VadEventType.SPEECH_END for e in await session.feed(pcm[offset : offset + CHUNK])):
                    break
            transcript = await session.finish()
            made.append("whole request" if transcript.first_pass else "first pass" if transcript.at_pause else "full")
            scores.append(score(clip.reference, transcript.text))
            print(f"{mode:10} {made[-1]:13} {clip.name[:44]:44} errors {scores[-1].errors}: {transcript.text!r}", flush=True)
        counts = ", ".join(f"{name} {made.count(name)}" for name in sorted(set(made)))
        print(f"== {mode}: WER {corpus_wer(scores):.3f} over {len(clips)} clips ({counts})", flush=True)
    close_services(services)


asyncio.run(main())
