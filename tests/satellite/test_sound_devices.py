"""Real audio devices: a PulseAudio daemon started by the test, with two null sinks,

    aria_room   where the satellite plays; the test records its monitor (what the room hears)
    aria_mic    where the test plays a WAV; the satellite records its monitor (a virtual source)

driven once through sounddevice (``--mic-device pulse --snd-device pulse``: ALSA's pulse plugin,
PULSE_SOURCE/PULSE_SINK choose the source and sink) and once through the command path
(``parec``/``pacat``). Skipped, with the reason, where no PulseAudio daemon can be started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop

from aria_wire.extensions import aria_run_satellite
from tests.satellites.harness import ClipMaker, SatelliteProcess, wait_until

from .conftest import HouseServer

RATE = 16_000
RAW = ["--raw", "--rate", str(RATE), "--channels", "1", "--format", "s16le", "--latency-msec=20"]


@pytest.fixture
async def pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A private PulseAudio daemon (its socket in tmp_path); the environment points clients at it."""
    if shutil.which("pulseaudio") is None or shutil.which("pacat") is None:
        pytest.skip("PulseAudio is not installed (apt-get install pulseaudio pulseaudio-utils; scripts/setup.sh does)")
    socket = tmp_path / "pulse" / "native"
    socket.parent.mkdir()
    env = {**os.environ, "HOME": str(socket.parent), "PULSE_RUNTIME_PATH": str(socket.parent)}
    daemon = await asyncio.create_subprocess_exec(
        "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes",
        f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket}",
        f"--load=module-null-sink sink_name=aria_room rate={RATE} channels=1",
        f"--load=module-null-sink sink_name=aria_mic rate={RATE} channels=1",
        env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        monkeypatch.setenv("PULSE_SERVER", f"unix:{socket}")
        try:
            await wait_until(lambda: daemon.returncode is not None or subprocess.run(
                ["pactl", "info"], capture_output=True, check=False).returncode == 0, timeout=20, what="pulseaudio")
        except TimeoutError:
            pytest.skip("the PulseAudio daemon did not start")
        if daemon.returncode is not None:
            err = (await daemon.stderr.read()).decode(errors="replace")  # type: ignore[union-attr]
            pytest.skip(f"PulseAudio cannot run here: {err.strip().splitlines()[-1:]}")
        yield f"unix:{socket}"
    finally:
        if daemon.returncode is None:
            daemon.terminate()
            await daemon.wait()


def _write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.astype(np.int16).tobytes())
    return path


def _loud_part(raw: Path) -> tuple[np.ndarray] | None:
    """The second of recording from the first loud sample, once a whole second is there."""
    heard = np.frombuffer(raw.read_bytes()[: raw.stat().st_size // 2 * 2], np.int16).astype(np.float64)
    loud = np.flatnonzero(np.abs(heard) > 2000)
    if len(loud) == 0 or len(heard) - loud[0] < RATE:
        return None
    return (heard[loud[0] : loud[0] + RATE],)


DEVICE = ("--mic-device", "pulse", "--snd-device", "pulse", "--snd-rate", str(RATE))
COMMAND = (
    "--mic-command", " ".join(["parec", "-d", "aria_mic.monitor", *RAW]),
    "--snd-command", " ".join(["pacat", "-d", "aria_room", *RAW]), "--snd-rate", str(RATE),
)


@pytest.mark.parametrize("options", [DEVICE, COMMAND], ids=["sounddevice", "commands"])
async def test_a_reply_reaches_the_room_and_speech_from_the_room_reaches_the_server(
    pulse: str, tmp_path: Path, clips: ClipMaker, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    if options is DEVICE:
        pytest.importorskip("sounddevice", reason="the sound extra (sounddevice, libportaudio2) is not installed")
    monkeypatch.setenv("PULSE_SINK", "aria_room")
    monkeypatch.setenv("PULSE_SOURCE", "aria_mic.monitor")
    room = tmp_path / "room.raw"
    recorder = await asyncio.create_subprocess_exec("parec", "-d", "aria_room.monitor", *RAW, stdout=room.open("wb"))
    satellite = await SatelliteProcess.start(tmp_path, "den", "--wake-word", "none", "--no-chimes", *options)
    try:
        async with HouseServer(satellite.port) as server:
            await server.send(aria_run_satellite())
            await satellite.wait_state("waiting")
            # 1. A reply (a 440 Hz tone, 1 s) is played into the room's sink.
            tone = (np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE) * 12_000).astype(np.int16)
            await server.send(AudioStart(rate=RATE, width=2, channels=1).event(),
                              AudioChunk(rate=RATE, width=2, channels=1, audio=tone.tobytes()).event(),
                              AudioStop().event())
            await server.wait_for("played")
            # The sound server plays a little behind the satellite's clock: wait for the tone itself.
            (heard,) = await wait_until(lambda: _loud_part(room), what="the tone in the room")
            spectrum = np.abs(np.fft.rfft(heard))
            peak_hz = np.argmax(spectrum) * RATE / (2 * (len(spectrum) - 1))
            assert abs(peak_hz - 440) < 5 and np.mean(np.abs(heard) > 2000) > 0.5  # a whole tone, not a click
            # 2. A WAV played into the virtual source starts a turn: the satellite hears it.
            speech = _write_wav(tmp_path / "lamp.wav", np.concatenate([clips.speech("Turn on the lamp."), np.zeros(RATE)]))
            mark = len(server.received)
            player = await asyncio.create_subprocess_exec("pacat", "-d", "aria_mic", "--file-format=wav", str(speech))
            await player.wait()
            started = await satellite.wait_event(lambda e: e["event"] == "streaming-started")
            assert started["reason"] == "speech"
            await server.wait_for("audio-start", after=mark)
            chunks = await wait_until(
                lambda: [e for e in server.received[mark:] if e.type == "audio-chunk"][:40] or None, what="audio")
            sent = np.frombuffer(b"".join(AudioChunk.from_event(e).audio for e in chunks), np.int16).astype(np.float64)
            assert np.sqrt(np.mean(sent**2)) > 300  # speech, not the silence of a dead device
    finally:
        await satellite.stop()
        recorder.terminate()
        with contextlib.suppress(ProcessLookupError):
            await recorder.wait()


async def test_list_devices_shows_the_sound_servers_device(pulse: str) -> None:
    pytest.importorskip("sounddevice", reason="the sound extra (sounddevice, libportaudio2) is not installed")
    listed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aria_satellite", "--list-devices", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await listed.communicate()
    assert listed.returncode == 0
    names = [line.split(None, 5)[-1] for line in out.decode().splitlines()[1:-1]]
    assert "pulse" in names
