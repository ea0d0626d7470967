"""Which actions on the home are security-sensitive: they open the house to someone.

    unlock a lock                                   (HassTurnOff / HassUnlock / HassToggle on lock.*)
    open a garage door, gate or door cover          (HassTurnOn / HassOpen / HassToggle / a position above 0)
    anything done to an alarm panel but reading it  (alarm_control_panel.*)

An intent reaches only the domains Home Assistant's handler acts on (``REACHES``: a thermostat's
temperature set in the Hallway does not touch the Hallway's alarm panel), and a read changes nothing.

Such an action needs a trusted requester (``conversation/request.py``) and a spoken confirmation
("Unlock the Front Door — are you sure?"). Decided on the resolved targets (the entities' domains
and device classes from Home Assistant's registry), never on the words of the request, so no
phrasing and no entity name can slip past it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .entities import HomeEntity

OPENING_COVERS = frozenset({"garage", "gate", "door"})
"""Cover device classes that let someone in when opened."""
UNLOCKING = frozenset({"HassTurnOff", "HassUnlock", "HassToggle"})
OPENING = frozenset({"HassTurnOn", "HassOpen", "HassToggle"})
READ_ONLY = frozenset({"HassGetState", "HassClimateGetTemperature", "HassGetWeather", "GetLiveContext"})
"""Intents (and Home Assistant's tools) that only read states."""
MEDIA = frozenset({"media_player"})
REACHES: dict[str, frozenset[str]] = {
    "HassLightSet": frozenset({"light"}),
    "HassClimateSetTemperature": frozenset({"climate"}),
    "HassFanSetSpeed": frozenset({"fan"}),
    "HassSetPosition": frozenset({"cover", "valve"}),
    **{intent: MEDIA for intent in (
        "HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious", "HassSetVolume",
        "HassSetVolumeRelative", "HassMediaSearchAndPlay", "HassMediaPlayerMute", "HassMediaPlayerUnmute",
    )},
}
"""The domains an intent's handler acts on; an intent not listed may act on any entity it targets."""


def sensitive_verb(intent: str, slots: dict[str, object], targets: Sequence[HomeEntity]) -> str | None:
    """The verb of a sensitive action ("unlock", "open", "change") when ``intent`` on ``targets``
    is one, else None."""
    if intent in READ_ONLY:
        return None
    for entity in reached(intent, targets):
        if entity.domain == "lock" and intent in UNLOCKING:
            return "unlock"
        if entity.domain == "cover" and entity.device_class in OPENING_COVERS and _opens(intent, slots):
            return "open"
        if entity.domain == "alarm_control_panel":
            return "change"
    return None


def sensitive_targets(intent: str, slots: dict[str, object], targets: Sequence[HomeEntity]) -> tuple[HomeEntity, ...]:
    """The targets that make ``intent`` sensitive: what a refusal or a confirmation names ("turn off
    the Hall" unlocks the Front Door; the Hall Lamp beside it opens nothing)."""
    return tuple(e for e in targets if sensitive_verb(intent, slots, (e,)) is not None)


def reached(intent: str, targets: Sequence[HomeEntity]) -> tuple[HomeEntity, ...]:
    """The targets ``intent`` can act on (an area's thermostat, not the alarm panel beside it)."""
    domains = REACHES.get(intent)
    return tuple(e for e in targets if domains is None or e.domain in domains)


SENSITIVE_SERVICES = {"lock": ("unlock", "open"), "alarm_control_panel": ("",), "cover": ("open", "set_cover_position")}
"""Domains whose services may open the house (the empty prefix: every service of the domain)."""


def sensitive_service(domain: str, service: str) -> bool:
    """Whether a direct service call (the call_service tool) may open the house; a cover service
    counts whatever the cover is (the call names no device class)."""
    return any(service.startswith(prefix) for prefix in SENSITIVE_SERVICES.get(domain, ()))


def _opens(intent: str, slots: dict[str, object]) -> bool:
    if intent in OPENING:
        return True
    if intent == "HassSetPosition":
        try:
            return float(str(slots.get("position", 0))) > 0
        except ValueError:
            return True  # a position we cannot read is treated as opening
    return False
