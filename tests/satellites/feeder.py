"""Test microphone: raw 16 kHz mono 16-bit PCM on stdout, in real time, forever.

    python -m tests.satellites.feeder CONTROL_FILE

Silence, except that each line appended to CONTROL_FILE (``PATH [GAIN]``) plays that WAV
(16 kHz mono 16-bit) next. Tests use it as ``--mic-command`` to speak to a satellite exactly
when they want to, e.g. after it has finished playing a reply.
"""

from __future__ import annotations

import sys
import time
import wave
from pathlib import Path

import numpy as np

RATE = 16_000
CHUNK = 320  # 20 ms


def load(line: str) -> bytes:
    """The samples a control line names, with its gain applied."""
    path, *rest = line.split()
    gain = float(rest[0]) if rest else 1.0
    with wave.open(path, "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (RATE, 2, 1), path
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).astype(np.float32)
    return np.clip(samples * gain, -32768, 32767).astype(np.int16).tobytes()


def main() -> None:
    control = Path(sys.argv[1])
    offset = 0
    pending = b""
    out = sys.stdout.buffer
    started = time.monotonic()
    sent = 0
    while True:
        if control.exists() and control.stat().st_size > offset:
            text = control.read_text()
            new, offset = text[offset:], len(text)
            for line in new.splitlines():
                if line.strip():
                    pending += load(line)
        piece, pending = pending[: CHUNK * 2], pending[CHUNK * 2 :]
        out.write(piece + bytes(CHUNK * 2 - len(piece)))
        out.flush()
        sent += 1
        delay = started + sent * CHUNK / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
