"""The API encryption key: base64 of 32 bytes, from the command line or an owner-only file.

A key file readable by group or others is refused (the key lets anyone on the network use the
microphone), as ssh refuses a private key with loose permissions.
"""

from __future__ import annotations

import base64
import binascii
import stat
from pathlib import Path

KEY_BYTES = 32


def decode_key(text: str) -> bytes:
    """The 32 key bytes of base64 ``text``; ValueError when it is not that."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError("the ESPHome API key is not base64") from err
    if len(key) != KEY_BYTES:
        raise ValueError(f"the ESPHome API key is {len(key)} bytes, not {KEY_BYTES} (base64 of 32 random bytes)")
    return key


def read_key_file(path: Path) -> bytes:
    """The key in ``path``, which only its owner may read or write."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"{path} may be read by others (mode {stat.S_IMODE(mode):o}): chmod 600 it")
    return decode_key(path.read_text())


def encode_key(key: bytes) -> str:
    """The base64 text Home Assistant asks for."""
    return base64.b64encode(key).decode()
