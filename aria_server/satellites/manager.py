"""The server's satellite manager: finds, connects and drives every satellite.

Satellites come from ``--satellite tcp://HOST:PORT`` (static) and from zeroconf (discovered,
kept when ``describe`` shows a satellite). Each gets a ``SatelliteSession`` kept connected by the
reconnect helper. The manager also arbitrates wake words between rooms, speaks announcements,
rings timers and keeps the recent turns' spans (the turn runner counts and stores them). ``snapshot()`` is plain data for ``GET /satellites``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from aria_wire.reconnect import reconnecting

from ..concurrency import model_executor
from ..errors import AriaError, RequestError, SatelliteError
from ..services import Services
from ..settings import SatellitesSettings
from .answers import Answer, match_answer
from .arbitration import Arbiter, Candidate
from .client import SatelliteLink, parse_address
from .discovery import SatelliteBrowser, is_local
from .session import SatelliteSession, SessionDeps
from .state import SatelliteStatus
from .timers import relay_timers

_LOGGER = logging.getLogger(__name__)


class SatelliteManager:
    """All satellites of this server; ``start`` after the models are loaded, ``stop`` on shutdown."""

    def __init__(
        self,
        services: Services,
        settings: SatellitesSettings,
        *,
        addresses: Sequence[str] = (),
        browse: bool = False,
        own_port: int | None = None,
    ) -> None:
        self.agent = services.agent
        """The conversation agent (timers) or None."""
        if services.pipeline is None:
            _LOGGER.warning("no conversation agent: satellites connect but cannot answer")
        self.limits = services.limits
        self.settings = settings
        self.wake_executor: Executor = model_executor("server-wake", 1)
        self.deps = SessionDeps(
            pipeline=services.pipeline,
            tts=services.tts,
            conversations=services.agent.sessions if services.agent is not None else None,
            recorder=services.recorder,
            arbitrator=self,
            wake_executor=self.wake_executor,
            settings=settings,
            limits=services.limits,
            on_turn=self._turn_finished,
        )
        self.sessions: dict[str, SatelliteSession] = {}
        self.recent_turns: deque[dict[str, Any]] = deque(maxlen=100)
        self._static = list(addresses)
        self._browse = browse
        self._own_port = own_port
        self._arbiter = Arbiter(settings.arbitration_window_s)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._probes: set[asyncio.Task[None]] = set()
        self._browser: SatelliteBrowser | None = None
        self._timers: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to the static satellites and start browsing."""
        for address in self._static:
            host, port = parse_address(address)
            self.add(host, port, "static")
        if self._browse:
            self._browser = SatelliteBrowser(self._on_discovered)
            await self._browser.start()
        self._timers = asyncio.get_running_loop().create_task(
            relay_timers(self.agent, self.session_for), name="satellite timers"
        )

    async def stop(self) -> None:
        """Stop browsing, end every turn and close every connection."""
        if self._browser is not None:
            await self._browser.stop()
        tasks = [*self._tasks.values(), *self._probes, *([self._timers] if self._timers else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self.wake_executor.shutdown(wait=False, cancel_futures=True)

    def add(self, host: str, port: int, source: str) -> SatelliteSession:
        """Keep a satellite at host:port connected from now on (idempotent)."""
        key = f"{host}:{port}"
        if key in self.sessions:
            return self.sessions[key]
        status = SatelliteStatus(name=key, address=f"tcp://{key}", source=source)
        session = SatelliteSession(status, host, port, self.deps)
        self.sessions[key] = session
        self._tasks[key] = asyncio.get_running_loop().create_task(
            reconnecting(session.connect_and_serve, name=f"satellite {key}", backoff=session.backoff),
            name=f"satellite {key}",
        )
        return session

    def _on_discovered(self, host: str, port: int, service: str) -> None:
        key = f"{host}:{port}"
        if key in self.sessions or (self._own_port == port and is_local(host)):
            return
        probe = asyncio.get_running_loop().create_task(self._probe(host, port, service), name=f"probe {key}")
        self._probes.add(probe)
        probe.add_done_callback(self._probes.discard)

    async def _probe(self, host: str, port: int, service: str) -> None:
        try:
            link = await SatelliteLink.open(host, port, self.limits)
        except (OSError, TimeoutError, AriaError) as err:
            _LOGGER.debug("zeroconf %s (%s:%d) did not answer describe: %s", service, host, port, err)
            return
        await link.close()
        if link.info.satellite is not None:
            _LOGGER.info("zeroconf: found satellite %s at %s:%d", link.info.satellite.name, host, port)
            self.add(host, port, "zeroconf")

    # -- what the API uses -----------------------------------------------------------------

    def snapshot(self) -> list[dict[str, Any]]:
        """Every satellite's status as plain data, connected ones first."""
        rows = [session.status.snapshot() for session in self.sessions.values()]
        return sorted(rows, key=lambda row: (not row["connected"], row["name"]))

    def find(self, name: str) -> SatelliteSession:
        """The session of the satellite called ``name`` (or with that address)."""
        for key, session in self.sessions.items():
            if name in (session.name, key, session.status.address):
                return session
        raise SatelliteError(f"no satellite named {name!r}", code="unknown-satellite")

    async def announce(self, name: str, text: str) -> dict[str, Any]:
        """Speak ``text`` on the satellite ``name``; returns once it was played."""
        if not text.strip():
            raise RequestError("nothing to announce", code="empty-text")
        return await self.find(name).announce(text)

    async def start_conversation(self, name: str, text: str) -> dict[str, Any]:
        """Speak ``text`` on satellite ``name``, then listen for the reply without a wake word."""
        if not text.strip():
            raise RequestError("nothing to say", code="empty-text")
        return await self.find(name).start_conversation(text)

    async def ask(self, name: str, question: str, answers: Sequence[Answer], timeout_s: float) -> dict[str, Any]:
        """Ask on satellite ``name``; which answer was given (None on silence or no match) and the words."""
        if not question.strip():
            raise RequestError("nothing to ask", code="empty-text")
        heard = await self.find(name).ask(question, timeout_s)
        return {"id": match_answer(heard, answers) if heard else None, "text": heard}

    async def broadcast(self, text: str, exclude: Sequence[str] = ()) -> dict[str, Any]:
        """Speak ``text`` on every connected satellite but those named in ``exclude``, at once."""
        if not text.strip():
            raise RequestError("nothing to announce", code="empty-text")
        targets = [
            session for session in self.sessions.values()
            if session.link is not None and session.name not in exclude and session.status.address not in exclude
        ]
        results = await asyncio.gather(*(session.announce(text) for session in targets), return_exceptions=True)
        spoken, failed = [], []
        for session, result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):
                failed.append({"satellite": session.name, "error": str(result)})
            else:
                spoken.append(result)
        return {"text": text, "spoken": spoken, "failed": failed}

    async def configure(self, name: str, settings: dict[str, float]) -> dict[str, Any]:
        """Change satellite ``name``'s wake settings (Aria satellites); its reported status."""
        session = self.find(name)
        reported = await session.configure(settings)
        return {"satellite": session.name, "status": reported}

    def session_for(self, name: str | None, conversation_id: str | None) -> SatelliteSession | None:
        """The satellite called ``name``, else the one in conversation ``conversation_id``."""
        for session in self.sessions.values():
            if name is not None and session.name == name:
                return session
        for session in self.sessions.values():
            if conversation_id is not None and session.conversation_id == conversation_id:
                return session
        return None

    # -- arbitration -----------------------------------------------------------------------

    def connected_count(self) -> int:
        """Satellites with a connection up."""
        return sum(1 for session in self.sessions.values() if session.link is not None)

    async def arbitrate(self, candidate: Candidate) -> bool:
        """Wait for the window of this wake word to close; True when this satellite answers."""
        if self.connected_count() <= 1:
            return True
        window, _ = self._arbiter.offer(candidate)
        await asyncio.sleep(max(0.0, window.closes - time.monotonic()))
        won = window.winner() is candidate
        if not won:
            _LOGGER.info("satellite %s stands down for %s", candidate.name, window.winner().name)
        return won

    # -- turns -----------------------------------------------------------------------------

    async def _turn_finished(self, session: SatelliteSession, record: dict[str, Any]) -> None:
        """Keep the turn among the recent ones and log it (the runner counts and stores it)."""
        self.recent_turns.append(record)
        after = record.get("since_vad_end_ms", {})
        _LOGGER.info(
            "turn on %s: %r -> %r; first audio %s ms after end of speech (%s)",
            session.name,
            record.get("transcript"),
            (record.get("reply") or "")[:60],
            after.get("first_audio_out"),
            record.get("outcome") or record.get("ended_by"),
        )
