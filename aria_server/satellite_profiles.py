"""Per-satellite settings: one typed table keyed by satellite name, and the one parser of its spellings.

Every spelling is folded by ``fold_section`` into ``{"profiles": {NAME: {KEY: VALUE}}}`` before
validation, so they all fill the same table and merge key by key across the layers
(command line > environment > file):

    TOML         [satellites.kitchen]                 (or [satellites.profiles.kitchen])
                 area = "Kitchen"
    option       --satellites-profiles kitchen.area=Kitchen     (repeatable)
    environment  ARIA_SATELLITES_PROFILES=kitchen.area=Kitchen,den.language=de
    older ones   --satellites-areas kitchen=Kitchen, --satellites-languages kitchen=ja,
                 --satellites-ha-devices kitchen=ID, --satellites-trusted kitchen
                 (and their ARIA_ and TOML list forms), kept so existing set-ups keep working
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class SatelliteProfile(BaseModel):
    """What the server knows about one satellite, by its name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str | None = Field(
        None, pattern=r"^[a-z]{2,3}$",
        description="the language spoken there (ja): its turns are transcribed, answered and spoken in it "
        "(default: the STT language)",
    )
    area: str | None = Field(
        None, min_length=1,
        description="the Home Assistant area it stands in (Kitchen): 'turn on the light' there means that area's "
        "lights (default: the area of the Home Assistant device named like it)",
    )
    ha_device: str | None = Field(
        None, pattern=r"^[0-9A-Za-z_-]+$",
        description="the Home Assistant device id that stands for it (default: the device named like it, "
        "else one in its area)",
    )
    trusted: bool = Field(
        False,
        description="approved for security-sensitive actions (unlock, open the garage) although found over "
        "zeroconf: anyone on the network can advertise a satellite (satellites given by --satellite always are)",
    )
    wake_threshold: float | None = Field(
        None, gt=0.0, lt=1.0,
        description="server-side wake word score that counts as a detection there (default: satellites.wake_threshold)",
    )


NO_PROFILE = SatelliteProfile()
"""The profile of a satellite nothing is configured for."""

PROFILES_OPTION = "--satellites-profiles"
LEGACY_KEYS = {"languages": "language", "areas": "area", "ha_devices": "ha_device", "trusted": "trusted"}
"""Older list settings of ``[satellites]`` (``NAME=VALUE``; trusted: names) -> the profile key they fill."""


def accepted_spellings() -> dict[str, tuple[str, ...]]:
    """The older options (``satellites-areas``) -> where their lists go in the tree; each is repeatable."""
    return {f"satellites-{key}".replace("_", "-"): ("satellites", key) for key in LEGACY_KEYS}


def _option(key: str) -> str:
    return "--satellites-" + key.replace("_", "-")


def _typed(key: str, text: str) -> Any:
    """A command-line string as the profile key's type ("true" -> True); left as it is when it does
    not parse, for validation to refuse with the key's name."""
    field = SatelliteProfile.model_fields.get(key)
    if field is None or field.annotation is None:
        return text
    try:
        return TypeAdapter(field.annotation).validate_strings(text)
    except ValidationError:
        return text


def parse_entry(entry: str) -> tuple[str, str, Any]:
    """``NAME.KEY=VALUE`` -> (name, key, typed value); the name may hold dots (the last one splits)."""
    target, equals, value = entry.partition("=")
    name, dot, key = target.rpartition(".")
    if not (equals and dot and name and key):
        raise ValueError(f"{PROFILES_OPTION} entry {entry!r} is not NAME.KEY=VALUE (kitchen.area=Kitchen)")
    return name, key, _typed(key, value)


def _legacy(setting: str, entry: str) -> tuple[str, str, Any]:
    """One entry of an older list setting -> (name, key, value)."""
    key = LEGACY_KEYS[setting]
    if setting == "trusted":
        if not entry:
            raise ValueError(f"{_option(setting)} entry {entry!r} names no satellite")
        return entry, key, True
    name, equals, value = entry.partition("=")
    if not (equals and name and value):
        raise ValueError(f"{_option(setting)} entry {entry!r} is not NAME=VALUE")
    return name, key, value


def _entries(value: Any) -> list[str]:
    """A list setting's entries: a list, or one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value]
    raise ValueError(f"expected a list of entries, got {value!r}")


def fold_section(section: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[satellites]`` section with every per-satellite spelling folded into ``profiles``.

    Idempotent (the folded form folds to itself). Within one section the order is: tables, then
    the older lists, then ``NAME.KEY=VALUE`` entries (the last one wins). ValueError names a
    malformed entry and the option it came from."""
    folded: dict[str, Any] = {}
    profiles: dict[str, Any] = {}
    later: list[tuple[str, str, Any]] = []

    def put(name: str, key: str, value: Any) -> None:
        if not isinstance(profiles.get(name), dict):
            profiles[name] = {}
        profiles[name][key] = value

    for key, value in section.items():
        if key == "profiles" and isinstance(value, Mapping):
            for name, table in value.items():
                if not isinstance(table, Mapping):
                    profiles[str(name)] = table  # for validation to refuse by name
                for leaf, item in table.items() if isinstance(table, Mapping) else ():
                    put(str(name), leaf, item)
        elif key == "profiles":
            later.extend(parse_entry(entry) for entry in _entries(value))
        elif key in LEGACY_KEYS and not isinstance(value, Mapping):
            for entry in _entries(value):
                put(*_legacy(key, entry))
        elif isinstance(value, Mapping):
            # No other satellites setting is a table: this is [satellites.NAME].
            for leaf, item in value.items():
                put(key, leaf, item)
        else:
            folded[key] = value
    for name, key, value in later:
        put(name, key, value)
    if profiles or "profiles" in section:
        folded["profiles"] = profiles
    return folded
