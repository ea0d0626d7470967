"""The bundled clip set and user manifests."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from aria_bench.clips import BUNDLED_MANIFEST, ClipError, duration, load_manifest, manifest_path, read_pcm16k, silence


@pytest.mark.parametrize("named", ["bundled", "questions"])
def test_shipped_clips_are_16k_mono_speech_with_references(named: str) -> None:
    clips = load_manifest(manifest_path(named))
    assert len(clips) >= 8
    for clip in clips:
        with wave.open(str(clip.path), "rb") as wav:
            assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16_000, 2, 1)
        assert 0.8 < duration(read_pcm16k(clip.path)) < 5.0
        assert clip.reference and clip.name == clip.path.stem
    assert manifest_path("bundled") == BUNDLED_MANIFEST


def test_limit_takes_the_first_clips() -> None:
    assert [clip.name for clip in load_manifest(BUNDLED_MANIFEST, 2)] == [
        clip.name for clip in load_manifest(BUNDLED_MANIFEST)[:2]
    ]


def test_user_manifest_paths_are_relative_to_it_and_audio_is_converted(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    with wave.open(str(tmp_path / "audio" / "hello.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44_100)
        wav.writeframes(bytes(44_100 * 4))
    manifest = tmp_path / "clips.tsv"
    manifest.write_text("# my clips\n\naudio/hello.wav\tHello there.\n", encoding="utf-8")
    [clip] = load_manifest(manifest)
    assert clip.reference == "Hello there."
    assert duration(read_pcm16k(clip.path)) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("line", ["missing.wav\tHello", "no-tab-here.wav", "\t"])
def test_bad_manifest_lines_are_reported(tmp_path: Path, line: str) -> None:
    manifest = tmp_path / "clips.tsv"
    manifest.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ClipError, match="clips.tsv"):
        load_manifest(manifest)


def test_silence_length() -> None:
    assert duration(silence(0.6)) == pytest.approx(0.6)
