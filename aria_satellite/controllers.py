"""One microphone, two controllers: who owns the satellite's turn, announcement or playback.

A satellite can be run by Aria's server over Wyoming (``SatelliteServer``) and by Home Assistant
over the ESPHome API (``esphome``) at the same time. Both share one microphone and one
speaker, so this module decides, and both faces go through it:

**Only one turn at a time, ever.** The satellite's state machine is the single place a turn
lives; ``Controllers`` is its ``ServerLink`` and the one door for events from either face. A
turn (and any playback) belongs to one *owner*; events of the satellite go to the owner only,
and events that act on a turn (transcript, transcribe, audio, error) from the other controller
are dropped while the owner's turn is in progress.

**Which wake word goes where** (``TurnRouter.route``, pure):

  - a turn started by speech (``--wake-word none``) or by a follow-up belongs to the
    controller that asked for the follow-up; otherwise to Aria's server when it runs the
    satellite, else to Home Assistant;
  - once Home Assistant has chosen its active wake words (``VoiceAssistantSetConfiguration``,
    HA >= 2025.10), those words go to Home Assistant and the others to Aria's server; a word
    Home Assistant switched off is not Home Assistant's even when Aria's server is absent
    (then nobody owns it and the turn is refused at once);
  - before Home Assistant chose: with both controllers running, the first wake word is Aria's
    server's and the second Home Assistant's (one wake word: Aria's server's); with one
    controller running, every word is that one's.

**An announcement from one while the other has a turn**: refused, never queued (the user is
talking to the other one); Home Assistant hears ``VoiceAssistantAnnounceFinished`` at once.
While nothing is in progress it takes the speaker and becomes the owner until the next turn.
A wake word or barge-in during anyone's announcement starts a turn for the wake word's
controller (the interrupted announcement is reported finished to its owner). Timer rings are
never refused: they play over anything.

**Pause and mute**: Wyoming's ``pause-satellite`` (and a lost server) stops Aria's server's
control only: its own turn is dropped, a Home Assistant turn goes on, and the satellite stays
awake while Home Assistant runs it. Home Assistant's media-player pause/stop stops what Home
Assistant plays, not an Aria reply; its volume and mute are the speaker's, for everything played.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from wyoming.asr import Transcribe
from wyoming.audio import AudioStart
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.wake import Detection

from aria_wire.extensions import PLAYBACK_STARTED, SATELLITE_STATUS

from .server import SatelliteServer
from .state import State

_LOGGER = logging.getLogger(__name__)


class Controller(StrEnum):
    """Who drives the satellite."""

    WYOMING = "wyoming"
    """Aria's server (or any Wyoming server) through the satellite's Wyoming port."""
    ESPHOME = "esphome"
    """Home Assistant through the ESPHome native API."""


class ControllerLink(Protocol):
    """One face, as the router sees it."""

    @property
    def running(self) -> bool:
        """True while this controller runs the satellite (would take a turn now)."""
        ...

    async def send(self, event: Event) -> bool:
        """Deliver an event of the satellite; False when it could not."""
        ...


class SatelliteCore(Protocol):
    """The satellite as the router drives it (``Satellite`` is one)."""

    @property
    def state(self) -> State:
        """The current state."""
        ...

    async def on_server_event(self, event: Event) -> None:
        """An event from the controller of the moment."""
        ...

    async def on_server_lost(self) -> None:
        """Drop whatever is in progress and go idle."""
        ...


@dataclass
class TurnRouter:
    """Which controller a new turn belongs to (pure: no I/O, table-tested)."""

    words: tuple[str, ...]
    """the satellite's wake words (model names), in the command line's order."""
    esphome_words: frozenset[str] | None = None
    """Home Assistant's active wake words once it chose them; None: it never did."""

    def route(self, word: str | None, running: frozenset[Controller], follow_up: Controller | None = None) -> Controller | None:
        """The owner of a turn started by ``word`` (None: by speech or a follow-up)."""
        if word is None:
            if follow_up is not None and follow_up in running:
                return follow_up
            return Controller.WYOMING if Controller.WYOMING in running else _only(running, Controller.ESPHOME)
        if self.esphome_words is not None:
            if word in self.esphome_words:
                return Controller.ESPHOME if Controller.ESPHOME in running else _only(running, Controller.WYOMING)
            return _only(running, Controller.WYOMING)
        if running == {Controller.WYOMING, Controller.ESPHOME}:
            second = len(self.words) > 1 and word == self.words[1]
            return Controller.ESPHOME if second else Controller.WYOMING
        return next(iter(running), None)

    def esphome_active(self, running: frozenset[Controller]) -> list[str]:
        """The words Home Assistant gets (what its configuration shows as active)."""
        if self.esphome_words is not None:
            return [word for word in self.words if word in self.esphome_words]
        both = running | {Controller.ESPHOME}
        return [word for word in self.words if self.route(word, both) is Controller.ESPHOME]


def _only(running: frozenset[Controller], controller: Controller) -> Controller | None:
    return controller if controller in running else None


_TURN_EVENTS = frozenset({"transcript", "transcribe", "error", "synthesize", "audio-start", "audio-chunk", "audio-stop"})
"""Events of a controller that act on the turn in progress: only its owner's reach the satellite."""
_TURN_OUT = frozenset({"audio-start", "audio-chunk", "audio-stop", "streaming-started", "streaming-stopped", "played", PLAYBACK_STARTED})
"""Events of the satellite that belong to a turn or a playback (never sent to a non-owner)."""
_BUSY = frozenset({State.STREAMING, State.THINKING, State.SPEAKING})


class Controllers:
    """The satellite's ``ServerLink``, and the one way each face reaches the satellite."""

    def __init__(self, router: TurnRouter) -> None:
        self.router = router
        self.links: dict[Controller, ControllerLink] = {}
        self.satellite: SatelliteCore | None = None
        self.owner: Controller | None = None
        """The controller of the latest turn or playback (it stays until the next one begins)."""
        self._held: Event | None = None
        self._run_events: dict[Controller, Event] = {}
        """each controller's latest run-satellite (replayed when the satellite wakes again for it)."""
        self._follow_up: Controller | None = None
        self._lock = asyncio.Lock()
        self.refused = 0
        """Turns no controller would take, and announcements refused while another owned the satellite."""

    def attach(self, satellite: SatelliteCore, links: dict[Controller, ControllerLink]) -> None:
        """Wire the satellite and the faces (all exist before any runs)."""
        self.satellite = satellite
        self.links = links

    @property
    def running(self) -> frozenset[Controller]:
        """The controllers running the satellite now."""
        return frozenset(name for name, link in self.links.items() if link.running)

    # -- ServerLink (the satellite's side) ---------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while any controller runs the satellite."""
        return bool(self.running)

    async def send(self, event: Event) -> bool:
        """Route an event of the satellite to the owner of its turn.

        A detection is held back until its run-pipeline (the next event) says who owns the turn;
        a turn no controller takes is refused (an error to the satellite, which goes back to
        waiting) and its audio dropped.
        """
        if Detection.is_type(event.type):
            self._held = event
            return True
        if RunPipeline.is_type(event.type):
            held, self._held = self._held, None
            word = Detection.from_event(held).name if held is not None else None
            follow_up, self._follow_up = self._follow_up, None
            self.owner = self.router.route(word, self.running, follow_up)
            if self.owner is None:
                self.refused += 1
                _LOGGER.info("no controller takes a turn started by %s: refused", word or "speech")
                await self._deliver(Error(text="no controller for this wake word", code="no-controller").event())
                return False
            _LOGGER.info("turn by %s belongs to %s", word or "speech", self.owner)
            if held is not None:
                await self.links[self.owner].send(held)
        if event.type == SATELLITE_STATUS:
            target: Controller | None = Controller.WYOMING  # Aria's own event: only its server knows it
        elif self.owner is None:
            # No turn yet, or a refused one: its audio goes nowhere; anything else to Aria's server.
            target = None if event.type in _TURN_OUT else Controller.WYOMING
        else:
            target = self.owner
        link = self.links.get(target) if target is not None else None
        return await link.send(event) if link is not None else False

    # -- the faces' side -----------------------------------------------------------------------------

    def busy_for(self, controller: Controller) -> bool:
        """True while another controller's turn or playback is in progress."""
        assert self.satellite is not None
        return self.owner not in (None, controller) and self.satellite.state in _BUSY

    def claim_playback(self, controller: Controller) -> bool:
        """Take the speaker for an announcement or media; False while the other one has a turn."""
        if self.busy_for(controller):
            self.refused += 1
            return False
        self.owner = controller
        return True

    def set_esphome_words(self, words: list[str]) -> list[str]:
        """Home Assistant's choice of active wake words (unknown ones dropped); the words kept."""
        kept = [word for word in words if word in self.router.words]
        self.router.esphome_words = frozenset(kept)
        return kept

    async def from_controller(self, controller: Controller, event: Event) -> None:
        """An event from ``controller`` for the satellite: delivered, or dropped when not its turn."""
        satellite = self.satellite
        assert satellite is not None
        async with self._lock:
            if RunSatellite.is_type(event.type):
                self._run_events[controller] = event
                if satellite.state is State.IDLE or not self.busy_for(controller):
                    await satellite.on_server_event(event)
                return
            if PauseSatellite.is_type(event.type):
                await self._release(controller, event)
                return
            if event.type in _TURN_EVENTS:
                if self.busy_for(controller):
                    _LOGGER.debug("dropping %s from %s: %s owns the turn", event.type, controller, self.owner)
                    return
                if Transcribe.is_type(event.type):
                    self._follow_up = controller
                if AudioStart.is_type(event.type) and satellite.state is State.WAITING:
                    self.owner = controller  # an announcement: this controller's playback now
            await satellite.on_server_event(event)

    async def lost(self, controller: Controller) -> None:
        """``controller`` stopped running the satellite (disconnected or paused)."""
        async with self._lock:
            await self._release(controller)

    async def _release(self, controller: Controller, pause: Event | None = None) -> None:
        """Drop ``controller``'s turn (a pause, or a lost connection when ``pause`` is None)."""
        satellite = self.satellite
        assert satellite is not None
        others = self.running - {controller}
        if self.owner is controller or not others:
            if pause is not None:
                await satellite.on_server_event(pause)
            else:
                await satellite.on_server_lost()
            if self.owner is controller:
                self.owner = None
            for other in others:  # the other controller still runs it: awake again, for that one
                await satellite.on_server_event(self._run_events.get(other, RunSatellite().event()))

    async def _deliver(self, event: Event) -> None:
        assert self.satellite is not None
        await self.satellite.on_server_event(event)


class WyomingFace:
    """The satellite's Wyoming server as one controller: its event handler and its link."""

    def __init__(self, server: SatelliteServer, controllers: Controllers) -> None:
        self.server = server
        self.controllers = controllers
        self._running = False

    @property
    def running(self) -> bool:
        """True from the current server's run-satellite until it pauses or goes."""
        return self._running and self.server.connected

    async def send(self, event: Event) -> bool:
        return await self.server.send(event)

    async def on_server_event(self, event: Event) -> None:
        """An event from the current Wyoming server."""
        if RunSatellite.is_type(event.type):
            self._running = True
        elif PauseSatellite.is_type(event.type):
            self._running = False
        await self.controllers.from_controller(Controller.WYOMING, event)

    async def on_server_lost(self) -> None:
        """The current Wyoming server went away or was replaced."""
        self._running = False
        await self.controllers.lost(Controller.WYOMING)
