"""The echo canceller (WebRTC AEC3) removes what the satellite plays and keeps the user.

References are added piece by piece just ahead of the microphone, as the player does.
"""

from __future__ import annotations

import numpy as np

from aria_satellite.audio import awake_chime
from aria_satellite.echo import WebRtcEchoCanceller
from aria_satellite.vad import SileroSpeech
from tests.satellites.harness import ClipMaker

RATE = 16_000
T0 = 50_000_000_000  # any monotonic time
LATENCY = 160  # the canceller's output is one 10 ms block behind


def _t(sample: int) -> int:
    return T0 + sample * 1_000_000_000 // RATE


def room(played: np.ndarray, delay_ms: int = 30, rt_ms: float = 50.0, seed: int = 1) -> np.ndarray:
    """``played`` as a microphone hears it in a small room: a delay and a decaying random impulse response."""
    rng = np.random.default_rng(seed)
    n = int(0.25 * RATE)
    rir = rng.standard_normal(n) * np.exp(-np.arange(n) / (rt_ms / 1000 * RATE))
    rir[0] = 3.0
    heard = np.convolve(played, rir)[: len(played)]
    heard = np.concatenate([np.zeros(delay_ms * RATE // 1000), heard])[: len(played)]
    return heard * 0.5 * np.abs(played).max() / max(np.abs(heard).max(), 1.0)


def cancel(echo: WebRtcEchoCanceller, played: np.ndarray, heard: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Run ``heard`` through the canceller while ``played`` plays (reference 4 frames ahead)."""
    reference = np.clip(played, -32768, 32767).astype(np.int16)
    mic = np.clip(heard, -32768, 32767).astype(np.int16)
    echo.add_reference(reference[:2048].tobytes(), RATE, T0)
    out, shares = [], []
    for i in range(0, len(mic) - 511, 512):
        j = i + 2048
        if j < len(reference):
            echo.add_reference(reference[j : j + 512].tobytes(), RATE, _t(j))
        residual, share = echo.process(mic[i : i + 512].tobytes(), _t(i + 511))
        out.append(np.frombuffer(residual, np.int16))
        shares.append(share)
    return np.concatenate(out).astype(np.float64)[LATENCY:], shares


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, np.float64) ** 2))


def test_a_reply_through_a_reverberant_room_is_removed(clips: ClipMaker) -> None:
    reply = clips.speech("It is a quarter past three in the afternoon, and the kitchen lights are on.").astype(np.float64)
    heard = room(reply)
    echo = WebRtcEchoCanceller()
    out, shares = cancel(echo, reply, heard)
    assert echo.echo_path is True
    half = len(out) // 2  # after the filter has converged
    erle_db = 10 * np.log10(_power(heard[half : len(out)]) / max(_power(out[half:]), 1e-9))
    assert erle_db > 20
    assert np.median(shares[len(shares) // 2 :]) > 0.9


def test_a_chime_played_is_removed_from_the_microphone() -> None:
    echo = WebRtcEchoCanceller()
    chime = np.frombuffer(awake_chime(RATE), np.int16).astype(np.float64)
    played = np.concatenate([chime] * 8)  # ~1.2 s of chimes: AEC3 converges within the first ones
    heard = room(played, delay_ms=40)
    out, _ = cancel(echo, played, heard)
    tail = len(out) // 2
    # Two pure tones are the hardest thing for an adaptive filter (little to learn the path
    # from): 10 dB here, against 30-60 dB on speech; what is left is no speech to the VAD.
    assert _power(out[tail:]) < _power(heard[tail : len(out)]) / 10
    vad = SileroSpeech()
    probabilities = [vad.probability(out[i : i + 512].astype(np.int16).tobytes()) for i in range(0, len(out) - 511, 512)]
    assert max(probabilities) < 0.5


def test_the_user_over_our_reply_stays_and_is_not_called_echo(clips: ClipMaker) -> None:
    reply = clips.speech("It is a quarter past three in the afternoon. The weather is sunny.").astype(np.float64)
    user = clips.speech("Stop. Stop the music.").astype(np.float64)
    echo_only = room(reply)
    start = len(reply) // 2
    length = min(len(user), len(reply) - start)
    alone = np.zeros(len(reply))
    alone[start : start + length] = user[:length]
    out, shares = cancel(WebRtcEchoCanceller(), reply, echo_only + alone)
    frames = len(shares)
    user_frames = [k for k in range(frames) if _power(alone[k * 512 : k * 512 + 512]) > 4 * _power(echo_only[k * 512 : k * 512 + 512]) and _power(alone[k * 512 : k * 512 + 512]) > 1e5]
    echo_frames = [k for k in range(frames // 3, start // 512) if _power(echo_only[k * 512 : k * 512 + 512]) > 1e5]
    assert len(user_frames) >= 5 and len(echo_frames) >= 5
    assert np.median([shares[k] for k in echo_frames]) > 0.9
    assert np.median([shares[k] for k in user_frames]) < 0.5
    kept = _power(np.concatenate([out[k * 512 : k * 512 + 512] for k in user_frames if k * 512 + 512 <= len(out)]))
    assert kept > 0.3 * np.mean([_power(alone[k * 512 : k * 512 + 512]) for k in user_frames])


def test_without_playback_speech_passes(clips: ClipMaker) -> None:
    user = clips.speech("What time is it?").astype(np.float64)
    out, shares = cancel(WebRtcEchoCanceller(), np.zeros(len(user)), user)
    assert _power(out) > 0.7 * _power(user[: len(out)])
    assert np.median(shares) < 0.3


def test_where_the_microphone_cannot_hear_the_speaker_the_user_is_untouched(clips: ClipMaker) -> None:
    """Headphones or a line out: AEC3 would suppress the user while waiting for an echo that never comes."""
    reply = clips.speech("I can tell the time, set timers, and turn the lights on and off.").astype(np.float64)
    user = clips.speech("What time is it?").astype(np.float64)
    heard = np.zeros(len(reply))
    at = int(1.5 * RATE)
    heard[at : at + len(user)] = user[: len(reply) - at]
    echo = WebRtcEchoCanceller()
    out, shares = cancel(echo, reply, heard)
    assert echo.echo_path is False
    span = slice(at, min(at + len(user), len(out)))
    assert _power(out[span]) > 0.95 * _power(heard[span])
    assert max(shares) == 0.0
