"""Any PCM format becomes 16 kHz mono int16; impossible formats are refused."""

from __future__ import annotations

import numpy as np
import pytest

from aria_server.errors import AudioFormatError
from aria_wire.audio import PcmFormat, ToModelFormat


def _tone(rate: int, seconds: float, channels: int) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    mono = (np.sin(2 * np.pi * 440 * t) * 10_000).astype(np.int16)
    return np.repeat(mono[:, None], channels, axis=1).tobytes()


@pytest.mark.parametrize(("rate", "channels"), [(16_000, 1), (44_100, 2), (48_000, 1), (8_000, 2), (22_050, 1)])
def test_converts_to_one_second_of_16k_mono(rate: int, channels: int) -> None:
    pcm = _tone(rate, 1.0, channels)
    converter = ToModelFormat(PcmFormat(rate, 2, channels))
    # Odd-sized chunks split frames: the converter must carry the remainder.
    pieces = [converter.convert(pcm[i : i + 1001]) for i in range(0, len(pcm), 1001)]
    pieces.append(converter.convert(b"", last=True))
    out = np.concatenate(pieces)
    assert out.dtype == np.int16
    assert abs(len(out) - 16_000) <= 64
    assert 5_000 < np.abs(out).max() <= 10_500


@pytest.mark.parametrize(("rate", "width", "channels"), [(16_000, 3, 1), (1_000, 2, 1), (16_000, 2, 0), (16_000, 2, 9)])
def test_rejects_unsupported_formats(rate: int, width: int, channels: int) -> None:
    with pytest.raises(AudioFormatError):
        PcmFormat(rate, width, channels)
