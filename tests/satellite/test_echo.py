"""The echo canceller removes what the satellite plays (a chime, a reply) and keeps the user."""

from __future__ import annotations

import numpy as np

from aria_satellite.audio import awake_chime
from aria_satellite.echo import EchoCanceller
from tests.satellites.harness import ClipMaker

RATE = 16_000
T0 = 50_000_000_000  # any monotonic time


def _frames(signal: np.ndarray) -> list[tuple[bytes, int]]:
    """(frame, monotonic time of its last sample) for 512-sample frames starting at T0."""
    pcm = np.clip(signal, -32768, 32767).astype(np.int16)
    return [
        (pcm[i : i + 512].tobytes(), T0 + (i + 511) * 1_000_000_000 // RATE)
        for i in range(0, len(pcm) - 511, 512)
    ]


def _energy(frames: list[bytes]) -> float:
    samples = np.frombuffer(b"".join(frames), np.int16).astype(np.float64)
    return float(np.mean(samples**2))


def _played_and_heard(played: np.ndarray, delay_ms: int, gain: float, length: int) -> np.ndarray:
    heard = np.zeros(length)
    start = delay_ms * RATE // 1000
    heard[start : start + len(played)] += gain * played[: length - start]
    return heard


def test_a_chime_played_is_removed_from_the_microphone() -> None:
    echo = EchoCanceller()
    chime = awake_chime(22_050)
    echo.add_reference(chime, 22_050, T0)
    chime_16k = np.frombuffer(awake_chime(RATE), np.int16).astype(np.float64)
    heard = _played_and_heard(chime_16k, delay_ms=40, gain=0.6, length=RATE // 2)
    results = [echo.process(frame, t) for frame, t in _frames(heard)]
    before = _energy([frame for frame, _ in _frames(heard)])
    after = _energy([residual for residual, _ in results])
    assert after < before / 100
    assert max(share for _, share in results) > 0.9


def test_the_user_over_our_reply_stays_and_is_not_called_echo(clips: ClipMaker) -> None:
    echo = EchoCanceller()
    reply = clips.speech("It is a quarter past three in the afternoon.").astype(np.float64)
    user = clips.speech("Stop.").astype(np.float64)
    echo.add_reference(reply.astype(np.int16).tobytes(), RATE, T0)
    length = min(len(reply), RATE * 2)
    heard = _played_and_heard(reply, delay_ms=25, gain=0.5, length=length)
    user_at = RATE // 2
    heard[user_at : user_at + min(len(user), length - user_at)] += user[: length - user_at]
    frames = _frames(heard)
    results = [echo.process(frame, t) for frame, t in frames]
    alone = np.zeros(length)
    alone[user_at : user_at + min(len(user), length - user_at)] = user[: length - user_at]
    echo_only = _played_and_heard(reply, delay_ms=25, gain=0.5, length=length)
    user_energy = [float(np.mean(alone[i * 512 : i * 512 + 512] ** 2)) for i in range(len(frames))]
    echo_energy = [float(np.mean(echo_only[i * 512 : i * 512 + 512] ** 2)) for i in range(len(frames))]
    user_frames = [i for i in range(len(frames)) if user_energy[i] > 4 * echo_energy[i] and user_energy[i] > 1e5]
    echo_frames = [i for i in range(len(frames)) if user_energy[i] == 0 and echo_energy[i] > 1e5]
    assert len(user_frames) >= 5 and len(echo_frames) >= 5
    assert np.median([results[i][1] for i in echo_frames]) > 0.9
    assert np.median([results[i][1] for i in user_frames]) < 0.5
    kept = _energy([results[i][0] for i in user_frames])
    assert kept > 0.5 * float(np.mean([user_energy[i] for i in user_frames]))


def test_without_playback_the_frame_is_untouched() -> None:
    echo = EchoCanceller()
    frame = (np.arange(512) % 100 * 50).astype(np.int16).tobytes()
    assert echo.process(frame, T0) == (frame, 0.0)
