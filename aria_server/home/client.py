"""A small client of Home Assistant's REST API: its intent engine, and a probe for ``/health``.

    POST /api/conversation/process {"text", "language"}   Home Assistant's own agent
    GET  /api/                                           "API running." (the token is good)

Home Assistant 2025.4's conversation API takes no area or device (only text, language,
conversation_id, agent_id), so "turn on the light" is not narrowed to the satellite's room here;
that needs the websocket ``assist_pipeline/run`` with a ``device_id`` (not done yet).

Every request is bounded by ``ha.timeout_s``. The outcome of the last request is kept for
``/health``: ``ok``, or ``degraded`` with the error's code while Home Assistant is unreachable or
refuses the token. Nothing here logs or returns the token.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..errors import HomeError, HomeUnauthorized, HomeUnreachable
from .token import TokenSource

_LOGGER = logging.getLogger(__name__)

UNDERSTOOD = frozenset({"action_done", "query_answer"})
"""Response types of a request Home Assistant carried out or answered; ``error`` is not."""
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

    def __init__(self, url: str, token: TokenSource, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(timeout_s, 5.0))
        self._session: aiohttp.ClientSession | None = None
        self.state = HomeStatus("unknown")

    async def start(self) -> None:
        """Open the session and probe Home Assistant once (a failure only marks it degraded)."""
        self._session = aiohttp.ClientSession(base_url=self.url, timeout=self.timeout)
        try:
            await self.probe()
        except HomeError as err:
            _LOGGER.warning("Home Assistant at %s: %s", self.url, err)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def probe(self) -> None:
        """``GET /api/`` with the token: HomeUnauthorized / HomeUnreachable / HomeError on failure."""
        await self._request("GET", "/api/")

    async def process(self, text: str, language: str | None = None) -> HomeReply:
        """Home Assistant's agent on ``text``: its reply, or a HomeError when it could not be asked."""
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
        }


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
