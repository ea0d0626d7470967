"""``aria-satellite`` / ``python -m aria_satellite``: argv -> settings -> run."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from aria_wire.wake import MICRO_MODELS, OPENWAKEWORD_MODELS

from .app import run
from .devices import describe, list_devices
from .esphome.keys import decode_key, read_key_file
from .settings import (
    MAX_WAKE_WORDS,
    EsphomeSettings,
    MicSettings,
    SatelliteSettings,
    SndSettings,
    VadSettings,
    WakeSettings,
    WakeWord,
)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``aria-satellite``."""
    parser = argparse.ArgumentParser(
        prog="aria-satellite",
        description="Aria satellite: a Wyoming satellite server (microphone, speaker, local wake word).",
    )
    parser.add_argument("--name", default="aria-satellite", help="satellite name")
    parser.add_argument("--area", help="room the satellite is in")
    parser.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=10700, help="Wyoming port (default 10700, 0: any)")
    parser.add_argument(
        "--wake-word", action="append",
        help=f"MODEL or MODEL@PIPELINE, up to {MAX_WAKE_WORDS} (repeat the option); microWakeWord: "
        f"{'|'.join(MICRO_MODELS)} or a model .json; openWakeWord: {'|'.join(OPENWAKEWORD_MODELS)} or a .tflite; "
        "none: start on speech (default okay_nabu)",
    )
    parser.add_argument("--wake-engine", choices=["micro", "openwakeword"], default="micro",
                        help="microWakeWord (default, Apache-2.0 models) or openWakeWord (models CC BY-NC-SA 4.0)")
    parser.add_argument("--wake-threshold", type=float, help="wake score that detects (0-1; default: the model's own)")
    parser.add_argument("--wake-refractory", type=float, default=2.0, help="seconds a detection is not repeated")
    parser.add_argument("--list-devices", action="store_true", help="print the sound devices and exit")
    mic = parser.add_mutually_exclusive_group()
    mic.add_argument("--mic-device", help="sound device (index or name) to record from")
    mic.add_argument("--mic-command", help="program printing raw 16-bit PCM (e.g. arecord -r 16000 -c 1 -f S16_LE -t raw)")
    mic.add_argument("--mic-file", type=Path, help="WAV played in real time from the first run-satellite, then silence")
    parser.add_argument("--mic-command-rate", type=int, default=16_000, help="sample rate of --mic-command, Hz")
    parser.add_argument("--mic-command-channels", type=int, default=1, help="channels of --mic-command")
    snd = parser.add_mutually_exclusive_group()
    snd.add_argument("--snd-device", help="sound device (index or name) to play on")
    snd.add_argument("--snd-command", help="program reading raw 16-bit mono PCM (e.g. aplay -r 22050 -c 1 -f S16_LE -t raw)")
    snd.add_argument("--snd-file", type=Path, help="WAV file every played sound is appended to")
    parser.add_argument("--snd-rate", type=int, default=22_050, help="speaker sample rate, Hz")
    parser.add_argument("--vad-threshold", type=float, default=0.5, help="speech probability of a frame (0-1)")
    parser.add_argument("--no-chimes", action="store_true", help="no chime when the wake word is heard")
    parser.add_argument("--no-barge-in", action="store_true", help="speech during playback does not interrupt it")
    parser.add_argument("--no-zeroconf", action="store_true", help="do not advertise over zeroconf")
    parser.add_argument("--announce-chime", action="store_true", help="chime before announcements from the server")
    parser.add_argument("--noise-suppression", action="store_true", help="WebRTC noise suppression and gain control")
    parser.add_argument("--hook-command", help="program run as 'PROGRAM EVENT' (JSON on stdin) for every room event")
    parser.add_argument("--events-socket", type=Path, help="Unix socket streaming room events as JSON lines")
    parser.add_argument("--mic-stall", type=float, default=2.0, help="seconds without microphone audio before a restart")
    parser.add_argument("--reply-gap", type=float, default=10.0,
                        help="seconds without reply audio while speaking before the watchdog resets")
    parser.add_argument("--timing-log", type=Path, help="JSON-lines file of event timestamps (for aria-bench turn)")
    esphome = parser.add_argument_group("ESPHome API (Home Assistant's voice-device protocol)")
    esphome.add_argument("--esphome-port", type=int, default=6053, help="ESPHome API port (default 6053, 0: any)")
    esphome.add_argument("--no-esphome", action="store_true", help="no ESPHome API (Wyoming only)")
    key = esphome.add_mutually_exclusive_group()
    key.add_argument("--esphome-key", help="encryption key, base64 of 32 bytes (plaintext is then refused)")
    key.add_argument("--esphome-key-file", type=Path, help="file holding the key (readable by its owner only)")
    esphome.add_argument("--data-dir", type=Path, help="where the device id is kept (default ~/.local/share/aria-satellite/NAME)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def settings_from_args(args: argparse.Namespace) -> SatelliteSettings:
    """Map the parsed command line onto the settings tree, once."""
    given = args.wake_word or ["okay_nabu"]
    words = () if [w.lower() for w in given] == ["none"] else tuple(WakeWord.parse(w) for w in given)
    return SatelliteSettings(
        name=args.name,
        area=args.area,
        host=args.host,
        port=args.port,
        zeroconf=not args.no_zeroconf,
        mic=MicSettings(
            device=args.mic_device,
            command=tuple(shlex.split(args.mic_command)) if args.mic_command else None,
            command_rate=args.mic_command_rate,
            command_channels=args.mic_command_channels,
            file=args.mic_file,
        ),
        snd=SndSettings(
            device=args.snd_device,
            command=tuple(shlex.split(args.snd_command)) if args.snd_command else None,
            file=args.snd_file,
            rate=args.snd_rate,
        ),
        wake=WakeSettings(
            words=words, engine=args.wake_engine, threshold=args.wake_threshold, refractory_s=args.wake_refractory
        ),
        vad=VadSettings(threshold=args.vad_threshold),
        esphome=EsphomeSettings(
            enabled=not args.no_esphome,
            port=args.esphome_port,
            key=decode_key(args.esphome_key) if args.esphome_key else read_key_file(args.esphome_key_file)
            if args.esphome_key_file else None,
            data_dir=args.data_dir,
        ),
        chimes=not args.no_chimes,
        barge_in=not args.no_barge_in,
        timing_log=args.timing_log,
        mic_stall_s=args.mic_stall,
        reply_gap_s=args.reply_gap,
        announce_chime=args.announce_chime,
        hook_command=tuple(shlex.split(args.hook_command)) if args.hook_command else None,
        events_socket=args.events_socket,
        noise_suppression=args.noise_suppression,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 2 for a bad option or a missing part."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_devices:
        try:
            print(describe(list_devices()))
        except OSError as err:
            print(f"aria-satellite: {err}", file=sys.stderr)
            return 2
        return 0
    try:
        settings = settings_from_args(args)
    except (ValueError, OSError) as err:
        parser.error(str(err))
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if settings.mic.file is not None and not settings.mic.file.is_file():
        print(f"aria-satellite: --mic-file {settings.mic.file} does not exist", file=sys.stderr)
        return 2
    try:
        asyncio.run(run(settings))
    except (ValueError, OSError) as err:
        logging.getLogger("aria_satellite").error("cannot start: %s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
