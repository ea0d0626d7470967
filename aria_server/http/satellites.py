"""The satellites as the house drives them: ``GET /satellites``; ``POST /satellites/{name}/announce``,
``/start-conversation``, ``/ask`` and ``/config``; ``POST /broadcast``."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..satellites.answers import Answer
from ..satellites.manager import SatelliteManager
from .errors import RequestError, read_json_object
from .keys import SATELLITES


class Announcement(BaseModel):
    """What to say on a satellite."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=10_000, description="text spoken on the satellite")


class ConversationStart(BaseModel):
    """What to say before listening for the user's reply."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=10_000, description="spoken first; the reply is a normal turn")


class AnswerChoice(BaseModel):
    """One answer the question allows."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(min_length=1, max_length=100, description="returned when this answer was given")
    sentences: list[str] = Field(min_length=1, max_length=50, description="what the user may say for it")


class Question(BaseModel):
    """A question asked on a satellite, with the answers it allows."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(min_length=1, max_length=10_000, description="spoken on the satellite")
    answers: list[AnswerChoice] = Field(min_length=1, max_length=20)
    timeout_s: float = Field(20.0, gt=0, le=120, description="longest wait for an answer, seconds")


class Broadcast(BaseModel):
    """A text spoken on every satellite but some."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=10_000)
    exclude: list[str] = Field(default_factory=list, max_length=100, description="satellite names left out")


class SatelliteSettingsChange(BaseModel):
    """Wake settings of one Aria satellite."""

    model_config = ConfigDict(extra="forbid", strict=True)

    wake_threshold: float | None = Field(None, gt=0, lt=1, description="wake word score that counts as a detection")
    wake_refractory_s: float | None = Field(None, ge=0, le=60, description="seconds after a detection that never fire")


def _body(model: type[BaseModel], body: dict[str, object], code: str) -> BaseModel:
    try:
        return model.model_validate(body)
    except ValidationError as err:
        fields = {".".join(str(p) for p in e["loc"]): e["msg"] for e in err.errors()}
        raise RequestError("; ".join(f"{k}: {v}" for k, v in fields.items()), code, fields=fields) from err


def _manager(request: web.Request) -> SatelliteManager:
    manager = request.app.get(SATELLITES)
    if manager is None:
        raise RequestError("this server manages no satellites", "no-satellites")
    return manager


async def get_satellites(request: web.Request) -> web.Response:
    """Every satellite's live state, connected ones first."""
    manager = request.app.get(SATELLITES)
    return web.json_response({"satellites": manager.snapshot() if manager is not None else []})


async def post_announce(request: web.Request) -> web.Response:
    """Speak a text on one satellite; answers once it was played (404 unknown, 409 not connected)."""
    announcement = _body(Announcement, await read_json_object(request), code="bad-announcement")
    assert isinstance(announcement, Announcement)
    result = await _manager(request).announce(request.match_info["name"], announcement.text)
    return web.json_response(result)


async def post_start_conversation(request: web.Request) -> web.Response:
    """Speak, then listen without a wake word; the user's reply is a normal turn."""
    start = _body(ConversationStart, await read_json_object(request), code="bad-request")
    assert isinstance(start, ConversationStart)
    return web.json_response(await _manager(request).start_conversation(request.match_info["name"], start.text))


async def post_ask(request: web.Request) -> web.Response:
    """Ask a question; ``{"id": <answer id or null>, "text": <what was heard>}`` within the timeout."""
    question = _body(Question, await read_json_object(request), code="bad-request")
    assert isinstance(question, Question)
    answers = [Answer(choice.id, tuple(choice.sentences)) for choice in question.answers]
    result = await _manager(request).ask(request.match_info["name"], question.question, answers, question.timeout_s)
    return web.json_response(result)


async def post_broadcast(request: web.Request) -> web.Response:
    """Speak on every connected satellite but the excluded ones; which spoke and which failed."""
    broadcast = _body(Broadcast, await read_json_object(request), code="bad-request")
    assert isinstance(broadcast, Broadcast)
    return web.json_response(await _manager(request).broadcast(broadcast.text, broadcast.exclude))


async def post_satellite_config(request: web.Request) -> web.Response:
    """Change an Aria satellite's wake threshold / refractory time; its status once applied."""
    change = _body(SatelliteSettingsChange, await read_json_object(request), code="bad-request")
    assert isinstance(change, SatelliteSettingsChange)
    settings = change.model_dump(exclude_none=True)
    if not settings:
        raise RequestError("give wake_threshold or wake_refractory_s", "bad-request")
    return web.json_response(await _manager(request).configure(request.match_info["name"], settings))
