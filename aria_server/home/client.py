"""Home Assistant as the home: its intent engine asked over REST or its websocket, and a probe for ``/health``.

    POST /api/conversation/process {"text", "language"}   Home Assistant's own agent, no room
    websocket assist_pipeline/run (intent -> intent)        the same agent, with the ``device_id``
                                                           of the satellite that heard the user
    GET  /api/                                           "API running." (the token is good)

Home Assistant 2025.4's conversation API takes no area or device, so "turn on the light" would
not be narrowed to the room. A request from a satellite that stands for a Home Assistant device
(``directory.py``: set in settings, or found in the device registry) therefore goes over the
websocket with that device: Home Assistant's agent takes the device's area as "here". Any other
request (Wyoming ``handle``, the browser, a satellite with no device) goes over REST as before.

Timers are not Home Assistant's: Aria's local intents answer "set a timer" before Home Assistant is
asked, and ring the timer on the satellite that asked (``satellites/timers.py``). Home Assistant's
timer intent would need the satellite to be Home Assistant's own assist satellite (it rings through
the device's ``assist_satellite`` entity), which a satellite driven by Aria is not.

Every request is bounded by ``ha.timeout_s``. The outcome of the last request (either path) is
kept for ``/health``: ``ok``, or ``degraded`` with the error's code while Home Assistant is
unreachable or refuses the token. Nothing here logs or returns the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..errors import HomeError, HomeUnauthorized, HomeUnreachable
from ..settings import SatellitesSettings
from .directory import REFRESH_S, HomeDirectory, pick_device
from .names import Named, name_index
from .token import TokenSource
from .websocket import ConnectorFactory, HomeWebsocket

_LOGGER = logging.getLogger(__name__)

UNDERSTOOD = frozenset({"action_done", "query_answer"})
"""Response types of a request Home Assistant carried out or answered; ``error`` is not."""
MAX_SINGLE_READS = 8
"""Up to this many states are read one by one; more in one ``GET /api/states``."""
FAILED_CODES = frozenset({"failed_to_handle"})
"""Error codes of a request Home Assistant understood but could not carry out: its own answer says
so, and no other agent could do better (``no_intent_match`` / ``no_valid_targets`` go on to one)."""


@dataclass(frozen=True)
class HomeReply:
    """What Home Assistant's agent made of one request."""

    response_type: str
    """``action_done``, ``query_answer`` or ``error``."""
    speech: str
    error_code: str | None = None
    """With ``error``: ``no_intent_match``, ``no_valid_targets``, ``failed_to_handle``, ``unknown``."""
    conversation_id: str | None = None
    failed: tuple[str, ...] = ()
    """Names of targets whose service call failed while others succeeded (``action_done``)."""

    @property
    def understood(self) -> bool:
        """Whether Home Assistant did (or answered) what was asked, or understood it and says why it
        could not; otherwise another agent may try."""
        if not self.speech.strip():
            return False
        return self.response_type in UNDERSTOOD or (self.response_type == "error" and self.error_code in FAILED_CODES)


@dataclass(frozen=True)
class IntentOutcome:
    """What Home Assistant's intent API did with one intent (``POST /api/intent/handle``)."""

    response_type: str
    """``action_done``, ``query_answer`` or ``error``."""
    success: tuple[str, ...] = ()
    """Entity ids Home Assistant reports it acted on (or answered about)."""
    failed: tuple[str, ...] = ()
    """Entity ids whose service call failed."""
    error: str | None = None
    """With ``error``: Home Assistant's reason."""


@dataclass(frozen=True)
class EntityState:
    """One entity's state as Home Assistant reports it now."""

    entity_id: str
    state: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class HomeStatus:
    """The last outcome, for ``/health``."""

    status: str
    """``ok``, ``degraded`` (the last request failed) or ``unknown`` (nothing asked yet)."""
    last_error: str | None = None
    last_error_code: str | None = None
    failed_at: float | None = None
    """Monotonic time of the last failure (None when the last request succeeded)."""


class HomeAssistantClient:
    """One aiohttp session to one Home Assistant; ``start`` before use, ``aclose`` after."""

    def __init__(
        self, url: str, token: TokenSource, timeout_s: float = 10.0, satellites: SatellitesSettings | None = None,
        *, connector: ConnectorFactory | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(timeout_s, 5.0))
        self._session: aiohttp.ClientSession | None = None
        self.state = HomeStatus("unknown")
        self.satellites = satellites or SatellitesSettings()
        """The per-satellite table: each satellite's area and Home Assistant device (``[satellites.NAME]``)."""
        self._connector = connector
        self.ws = HomeWebsocket(self.url, token, timeout_s, connector=connector)
        self.directory = HomeDirectory(self.ws)
        self._directory_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the session and probe Home Assistant once (a failure only marks it degraded);
        the registries load in the background (recognition names, satellite devices)."""
        self._session = aiohttp.ClientSession(
            base_url=self.url, timeout=self.timeout, connector=self._connector() if self._connector else None
        )
        try:
            await self.probe()
        except HomeError as err:
            _LOGGER.warning("Home Assistant at %s: %s", self.url, err)
        self._directory_task = asyncio.get_running_loop().create_task(self._load_directory(), name="home directory")

    async def _load_directory(self) -> None:
        """Load the registries, then read them again every ``REFRESH_S`` (events do the rest)."""
        try:
            await self.directory.start()
            # Found now rather than on a satellite's first request (one round trip less then).
            await self.directory.pipeline(None)
        except HomeError as err:
            _LOGGER.warning("Home Assistant's registries could not be read (retried later): %s", err)
        while True:
            await asyncio.sleep(REFRESH_S)
            with contextlib.suppress(HomeError):
                await self.directory.refresh(older_than=REFRESH_S / 2)

    async def aclose(self) -> None:
        if self._directory_task is not None:
            self._directory_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._directory_task
        self.directory.close()
        await self.ws.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def vocabulary(self) -> tuple[str, ...]:
        """Names of the exposed entities and of the areas, for recognition (empty until loaded)."""
        return self.directory.snapshot.names

    def knows_target(self, text: str, satellite: str | None = None) -> bool:
        """Whether the device command ``text`` names only what Home Assistant knows (``names.py``),
        or names nothing ("turn on the light") and comes from a ``satellite`` that stands for a
        Home Assistant device (Home Assistant then takes its area). False while the registries are
        not loaded or the last request to Home Assistant failed (its answer is not the command's).

        Reads the registries already kept; asks Home Assistant nothing (it runs at every pause)."""
        snapshot = self.directory.snapshot
        if snapshot.loaded_at is None or self.state.status == "degraded":
            return False
        named = name_index(snapshot.known).named(text)
        if named is Named.KNOWN:
            return True
        if named is not Named.GENERIC or satellite is None:
            return False
        profile = self.satellites.profile(satellite)
        device = profile.ha_device or pick_device(snapshot, satellite, profile.area)
        return device is not None

    async def probe(self) -> None:
        """``GET /api/`` with the token: HomeUnauthorized / HomeUnreachable / HomeError on failure."""
        await self._request("GET", "/api/")

    async def process(self, text: str, language: str | None = None, *, satellite: str | None = None) -> HomeReply:
        """Home Assistant's agent on ``text``: its reply, or a HomeError when it could not be asked.

        From a ``satellite`` that stands for a Home Assistant device, over the websocket with that
        device (so "the light" is the light in its area); otherwise over REST."""
        if satellite is not None:
            try:
                device = await self.device_for(satellite)
                if device is not None:
                    return await self._process_with_device(text, language, device)
            except (HomeUnreachable, HomeUnauthorized) as err:
                raise self._failed(err) from None
            except HomeError as err:
                # Home Assistant answers but refused something (a pipeline it would not create, a
                # registry a non-admin token may not read): the room is lost, the request is not.
                _LOGGER.warning("Home Assistant's websocket path failed, asking without the room: %s", err)
        return await self._process_rest(text, language)

    async def device_for(self, satellite: str) -> str | None:
        """The Home Assistant device that stands for ``satellite`` (settings, else the registry)."""
        return await self.directory.device_for(
            satellite,
            device_id=self.satellites.profile(satellite).ha_device,
            area=self.satellites.profile(satellite).area,
        )

    async def area_of(self, satellite: str) -> str | None:
        """The name of the area ``satellite`` stands in: the setting, else its device's area in
        Home Assistant's registry (None when neither is known or Home Assistant cannot be read)."""
        configured = self.satellites.profile(satellite).area
        if configured is not None:
            return configured
        try:
            device_id = await self.device_for(satellite)
        except HomeError:
            return None
        snapshot = self.directory.snapshot
        for device in snapshot.devices:
            if device.id == device_id and device.area_id is not None:
                return snapshot.areas.get(device.area_id)
        return None

    async def handle_intent(self, intent: str, slots: dict[str, Any]) -> IntentOutcome:
        """Home Assistant carries out ``intent`` with ``slots`` (its own intent handlers: the ones
        its agent uses); HomeError when it could not be asked."""
        # No "language" key: Home Assistant 2025.4's view rejects keys it does not know, and its
        # handlers act the same in any language (Aria renders the words).
        payload: dict[str, Any] = {"name": intent, "data": slots}
        try:
            body = await self._request("POST", "/api/intent/handle", payload)
        except (HomeUnreachable, HomeUnauthorized):
            raise
        except HomeError as err:
            # 2025.4 answers a target it could not match with a 500 (2026.2: 200 and no success):
            # Home Assistant is there and said no.
            self.state = HomeStatus("ok")
            return IntentOutcome("error", error=f"it refused ({err.message})")
        try:
            return parse_intent_outcome(body)
        except HomeError as err:
            raise self._failed(err) from None

    async def states(self, entity_ids: list[str]) -> dict[str, EntityState]:
        """The current states of ``entity_ids`` (read now, never from a cache); an entity Home
        Assistant does not know is left out."""
        if len(entity_ids) > MAX_SINGLE_READS:
            body = await self._request("GET", "/api/states")
            wanted = set(entity_ids)
            rows = [row for row in body or [] if isinstance(row, dict) and row.get("entity_id") in wanted]
        else:
            rows = list(await asyncio.gather(*(self._state_or_none(e) for e in entity_ids)))
        return {
            str(row["entity_id"]): EntityState(str(row["entity_id"]), str(row.get("state")), dict(row.get("attributes") or {}))
            for row in rows if isinstance(row, dict) and "entity_id" in row
        }

    async def _state_or_none(self, entity_id: str) -> Any:
        try:
            return await self._request("GET", f"/api/states/{entity_id}")
        except HomeUnreachable:
            raise
        except HomeUnauthorized:
            raise
        except HomeError:
            return None  # 404: the entity is gone since the registries were read

    async def _process_with_device(self, text: str, language: str | None, device: str) -> HomeReply:
        pipeline = await self.directory.pipeline(language)
        output = await self.ws.run_intent(text, pipeline=pipeline, device_id=device)
        self.state = HomeStatus("ok")
        try:
            return parse_reply(output)
        except HomeError as err:
            raise self._failed(err) from None

    async def _process_rest(self, text: str, language: str | None) -> HomeReply:
        payload: dict[str, Any] = {"text": text}
        if language:
            payload["language"] = language.replace("_", "-").split("-")[0].lower()
        body = await self._request("POST", "/api/conversation/process", payload)
        try:
            return parse_reply(body)
        except HomeError as err:
            raise self._failed(err) from None

    async def _request(self, method: str, path: str, payload: Any = None) -> Any:
        if self._session is None:
            raise HomeUnreachable("the Home Assistant client is not started")
        try:
            token = await self.token.current()
        except HomeUnauthorized as err:
            raise self._failed(err) from None
        try:
            async with self._session.request(
                method, path, json=payload, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if response.status in (401, 403):
                    raise self._failed(HomeUnauthorized(f"Home Assistant refused the access token ({response.status})"))
                if response.status >= 400:
                    raise self._failed(HomeError(f"Home Assistant answered {response.status} to {method} {path}"))
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            # ValueError: a body that is not JSON. The message names the kind, never the headers.
            raise self._failed(
                HomeUnreachable(f"Home Assistant at {self.url} did not answer: {type(err).__name__} {err}".strip())
            ) from None
        self.state = HomeStatus("ok")
        return body

    def _failed(self, err: HomeError) -> HomeError:
        self.state = HomeStatus("degraded", err.message, err.code, time.monotonic())
        return err

    def health(self) -> dict[str, Any]:
        """The home stage for ``/health``."""
        return {
            "status": "degraded" if self.state.status == "degraded" else "ok",
            "backend": "home-assistant",
            "url": self.url,
            "last_error": self.state.last_error,
            "last_error_code": self.state.last_error_code,
            "checked": self.state.status != "unknown",
            "websocket": self.ws.connected,
            "names": len(self.vocabulary()),
        }


def parse_intent_outcome(body: Any) -> IntentOutcome:
    """The ``IntentResponse`` JSON of ``/api/intent/handle`` (HomeError when malformed)."""
    try:
        data = body.get("data") or {}

        def ids(key: str) -> tuple[str, ...]:
            return tuple(
                str(t.get("id")) for t in data.get(key) or []
                if isinstance(t, dict) and t.get("type") == "entity" and t.get("id")
            )

        response_type = str(body["response_type"])
        error = None
        if response_type == "error":
            error = str((body.get("speech") or {}).get("plain", {}).get("speech") or data.get("code") or "")
        return IntentOutcome(response_type, ids("success"), ids("failed"), error)
    except (KeyError, TypeError, AttributeError) as err:
        raise HomeError(f"Home Assistant's intent answer is malformed: {err!r}") from err


def parse_reply(body: Any) -> HomeReply:
    """The ``ConversationResult`` JSON of ``/api/conversation/process`` (HomeError when malformed)."""
    try:
        response = body["response"]
        speech = (response.get("speech") or {}).get("plain", {}).get("speech") or ""
        data = response.get("data") or {}
        failed = (data.get("failed") or []) if isinstance(data, dict) else []
        return HomeReply(
            response_type=str(response["response_type"]),
            speech=str(speech),
            error_code=data.get("code") if isinstance(data, dict) else None,
            conversation_id=body.get("conversation_id"),
            failed=tuple(str(target.get("name") or target.get("id")) for target in failed if isinstance(target, dict)),
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise HomeError(f"Home Assistant's conversation answer is malformed: {err!r}") from err
