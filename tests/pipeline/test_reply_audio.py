"""Reply audio cut into the pieces every face sends."""

from __future__ import annotations

import pytest

from aria_server.pipeline.reply_audio import WS_FRAME_BYTES, WYOMING_CHUNK_SAMPLES, chunk_bytes, reply_chunks


def test_pieces_are_at_most_the_size_and_join_back_to_the_audio() -> None:
    pcm = bytes(range(256)) * 40  # 10240 bytes
    pieces = list(reply_chunks(pcm, chunk_bytes(WYOMING_CHUNK_SAMPLES)))
    assert [len(p) for p in pieces] == [2048] * 5
    assert b"".join(pieces) == pcm
    ws = list(reply_chunks(pcm, WS_FRAME_BYTES))
    assert [len(p) for p in ws] == [8192, 2048] and b"".join(ws) == pcm


def test_no_audio_gives_no_pieces_and_a_size_must_be_positive() -> None:
    assert list(reply_chunks(b"", 2048)) == []
    with pytest.raises(ValueError):
        list(reply_chunks(b"ab", 0))


def test_chunk_bytes_counts_sample_width_and_channels() -> None:
    assert chunk_bytes(1024) == 2048
    assert chunk_bytes(1024, width=2, channels=2) == 4096
