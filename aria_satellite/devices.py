"""Sound devices as sounddevice (PortAudio) sees them: ``aria-satellite --list-devices``.

With ALSA, names are the card names (``hw:1,0`` style indices); with PulseAudio or PipeWire,
the ALSA ``pulse``/``pipewire`` plugin shows one device named ``pulse``/``pipewire`` whose
source and sink are chosen with ``PULSE_SOURCE``/``PULSE_SINK`` (or the desktop's defaults).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoundDevice:
    """One PortAudio device."""

    index: int
    name: str
    host_api: str
    inputs: int
    outputs: int
    default_rate: float


def list_devices() -> list[SoundDevice]:
    """Every device PortAudio reports (OSError without sounddevice or PortAudio)."""
    try:
        import sounddevice
    except (ImportError, OSError) as err:
        raise OSError("sound devices need: pip install 'aria-voice[sound]' (and apt install libportaudio2)") from err
    apis = [api["name"] for api in sounddevice.query_hostapis()]
    return [
        SoundDevice(i, d["name"], apis[d["hostapi"]], d["max_input_channels"], d["max_output_channels"], d["default_samplerate"])
        for i, d in enumerate(sounddevice.query_devices())
    ]


def describe(devices: list[SoundDevice]) -> str:
    """The table ``--list-devices`` prints."""
    lines = [f"{'index':>5}  {'in':>3} {'out':>3}  {'rate':>6}  {'api':<6}  name"]
    for d in devices:
        lines.append(f"{d.index:>5}  {d.inputs:>3} {d.outputs:>3}  {d.default_rate:>6.0f}  {d.host_api[:6]:<6}  {d.name}")
    lines.append("use --mic-device / --snd-device with an index or (part of) a name")
    return "\n".join(lines)
