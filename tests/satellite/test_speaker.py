"""The file speaker: a valid WAV after every write, and replies appended across restarts."""

from __future__ import annotations

import wave
from pathlib import Path

from aria_satellite.speaker import FileSink


async def test_each_write_leaves_a_valid_wav_and_a_reopen_appends(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    sink = FileSink(path, 22_050)
    await sink.open()
    await sink.write(b"\x01\x00" * 100)
    with wave.open(str(path)) as wav:  # readable while still open
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes()) == (22_050, 1, 2, 100)
    await sink.write(b"\x02\x00" * 50)
    await sink.close()

    again = FileSink(path, 22_050)
    await again.open()
    await again.write(b"\x03\x00" * 25)
    await again.close()
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
    assert frames == b"\x01\x00" * 100 + b"\x02\x00" * 50 + b"\x03\x00" * 25


async def test_a_file_of_another_format_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(bytes(400))
    sink = FileSink(path, 22_050)
    await sink.open()
    await sink.write(b"\x05\x00" * 10)
    await sink.close()
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (1, 22_050, 10)
