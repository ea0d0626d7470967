"""Reply audio cut into the pieces a face sends: the one place that decides their size.

A smaller piece lets a barge-in stop the reply sooner; a larger one costs fewer frames. The
Wyoming faces (satellites, ``synthesize``) send 1024 samples per ``audio-chunk`` (46 ms at
22.05 kHz, as wyoming-piper does); ``/ws`` sends binary frames of up to 8 KiB.
"""

from __future__ import annotations

from collections.abc import Iterator

WYOMING_CHUNK_SAMPLES = 1024
"""Samples per Wyoming ``audio-chunk`` of reply audio: the unit a barge-in can stop at."""

WS_FRAME_BYTES = 8192
"""Reply audio on ``/ws`` is split into binary frames of at most this many bytes."""


def chunk_bytes(samples: int, width: int = 2, channels: int = 1) -> int:
    """Bytes in ``samples`` frames of ``width``-byte samples on ``channels`` channels."""
    return samples * width * channels


def reply_chunks(pcm: bytes, max_bytes: int) -> Iterator[bytes]:
    """``pcm`` in order, in pieces of at most ``max_bytes`` (the last may be shorter)."""
    if max_bytes < 1:
        raise ValueError("max_bytes must be at least 1")
    for offset in range(0, len(pcm), max_bytes):
        yield pcm[offset : offset + max_bytes]
