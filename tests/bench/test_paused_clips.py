"""The endpointing clip set: requests with a thinking pause mid-sentence, and the same without.

It is what ``aria-bench turn --clips paused`` measures cut-offs on, so it must be what its
manifest says: the pause is silence of the stated length at the stated place, with speech on
both sides, in several voices, and the script makes the same set again.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from aria_bench.clips import (
    PAUSED_MANIFEST,
    ClipError,
    Pause,
    format_pauses,
    load_manifest,
    manifest_path,
    parse_pauses,
)
from aria_bench.make_clips import make_paused

KINDS = {"local", "home", "llm"}


def _samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16_000, 2, 1)
        return np.frombuffer(wav.readframes(wav.getnframes()), np.int16).astype(np.float32) / 32768.0


def _rms(samples: np.ndarray, start_s: float, end_s: float) -> float:
    return float(np.sqrt(np.mean(samples[int(start_s * 16_000) : int(end_s * 16_000)] ** 2)))


def test_every_paused_clip_has_its_silence_where_the_manifest_says() -> None:
    clips = [clip for clip in load_manifest(PAUSED_MANIFEST) if clip.pauses]
    assert len(clips) >= 6
    for clip in clips:
        samples = _samples(clip.path)
        assert clip.kind is not None and clip.kind.startswith("paused-") and clip.kind[7:] in KINDS
        for pause in clip.pauses:
            assert 0.3 <= pause.seconds <= 0.7, clip.name
            assert _rms(samples, pause.at_s, pause.at_s + pause.seconds) < 0.001, clip.name  # silence
            assert _rms(samples, pause.at_s - 0.15, pause.at_s) > 0.01, clip.name  # speech up to the pause
            assert _rms(samples, pause.at_s + pause.seconds, pause.at_s + pause.seconds + 0.15) > 0.01, clip.name
        assert clip.words_after_pause == clip.reference.split()[clip.pauses[-1].after_word :]
        assert clip.words_after_pause, clip.name


def test_every_paused_request_is_also_said_without_a_pause_in_another_voice() -> None:
    clips = load_manifest(PAUSED_MANIFEST)
    plain = {clip.reference: clip for clip in clips if not clip.pauses}
    assert all(clip.kind in KINDS for clip in plain.values())
    for clip in clips:
        if clip.pauses:
            assert clip.reference in plain, clip.name
            assert plain[clip.reference].kind == clip.kind.removeprefix("paused-")
            assert plain[clip.reference].voice != clip.voice


def test_the_set_has_several_voices_of_both_engines_and_stays_small() -> None:
    clips = load_manifest(PAUSED_MANIFEST)
    voices = {clip.voice for clip in clips}
    assert len(voices) >= 4
    assert any(v and v.startswith("piper") for v in voices) and any(v and v.startswith("espeak") for v in voices)
    assert {clip.kind for clip in clips} >= {"local", "llm", "paused-local", "paused-llm"}
    assert sum(clip.path.stat().st_size for clip in clips) < 1024 * 1024


def test_the_script_makes_the_same_set_again(tmp_path: Path) -> None:
    # Both voices are deterministic (Piper without its sampling noise; espeak-ng), so a
    # regenerated set has the same pauses at the same places and the same lengths.
    make_paused(tmp_path)
    assert (tmp_path / "manifest.tsv").read_text() == PAUSED_MANIFEST.read_text()
    for clip in load_manifest(PAUSED_MANIFEST):
        assert len(_samples(tmp_path / clip.path.name)) == len(_samples(clip.path)), clip.name


def test_the_bundled_set_needs_no_extra_columns() -> None:
    [clip] = load_manifest(manifest_path("bundled"), 1)
    assert clip.kind is None and clip.pauses == () and clip.words_after_pause == []
    assert manifest_path("paused") == PAUSED_MANIFEST


def test_pauses_are_written_and_read_back() -> None:
    pauses = (Pause(after_word=4, at_s=0.98, seconds=0.6), Pause(after_word=6, at_s=2.1, seconds=0.35))
    assert format_pauses(pauses) == "4@0.980+0.600;6@2.100+0.350"
    assert parse_pauses(format_pauses(pauses)) == pauses
    assert parse_pauses("") == ()


def test_a_bad_pause_column_names_its_line(tmp_path: Path) -> None:
    with wave.open(str(tmp_path / "a.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(bytes(32_000))
    manifest = tmp_path / "clips.tsv"
    manifest.write_text("a.wav\tSet a timer for ten minutes.\tpaused-local\tafter four\tpiper\n", encoding="utf-8")
    with pytest.raises(ClipError, match=r"clips.tsv:1: pause 'after four'"):
        load_manifest(manifest)
