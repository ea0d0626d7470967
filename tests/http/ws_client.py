"""A small /ws client for the tests: collects one turn's messages in order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np
import soxr

from ..conftest import read_wav

TIMEOUT_S = 120.0
FRAME_BYTES = 1024
"""512 samples of 16-bit mono: the frame size the dashboard sends."""


def speech_16k(name: str, trailing_silence_s: float = 0.0) -> bytes:
    """A fixture WAV as 16 kHz mono int16, with digital silence after it."""
    pcm, rate, _, channels = read_wav(name)
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    samples = samples.reshape(-1, channels).mean(axis=1)
    samples = soxr.resample(samples, rate, 16_000)
    out = (np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes()
    return out + bytes(int(trailing_silence_s * 16_000) * 2)


def frames(pcm: bytes) -> list[bytes]:
    """PCM cut into 512-sample frames (the last one padded)."""
    pcm += bytes(-len(pcm) % FRAME_BYTES)
    return [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]


@dataclass
class Turn:
    """What the server sent for one turn: JSON messages and binary frames, in arrival order."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    """``type:data`` of each JSON message (``response:delta`` for partial text) and ``binary``."""

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == type_]

    @property
    def final(self) -> dict[str, Any]:
        return self.messages[-1]


async def read_turn(ws: aiohttp.ClientWebSocketResponse) -> Turn:
    """Messages until the turn's closing ``idle`` status (the one with an outcome or cancelled)."""
    turn = Turn()
    while True:
        msg = await ws.receive(timeout=TIMEOUT_S)
        if msg.type is aiohttp.WSMsgType.BINARY:
            turn.audio.append(msg.data)
            turn.order.append("binary")
            continue
        assert msg.type is aiohttp.WSMsgType.TEXT, f"socket ended: {msg.type} {msg.data!r} {msg.extra!r}"
        message = json.loads(msg.data)
        turn.messages.append(message)
        meta = message["metadata"]
        label = "response:delta" if message["type"] == "response" and not meta.get("final") else f"{message['type']}:{message['data']}"
        if message["type"] == "transcript":
            label = "transcript:final" if meta.get("final") else "transcript:partial"
        turn.order.append(label)
        if message["type"] == "status" and message["data"] == "idle" and ("outcome" in meta or meta.get("cancelled")):
            return turn


def compress(order: list[str]) -> list[str]:
    """Runs of the same label as one (deltas and binary frames come in bursts)."""
    out: list[str] = []
    for label in order:
        if not out or out[-1] != label:
            out.append(label)
    return out
