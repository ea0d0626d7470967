"""``create_agent(settings)``: the conversation agent the settings describe (not yet started)."""

from __future__ import annotations

from ..home.client import HomeAssistantClient
from ..home.token import TokenSource
from ..llm.base import BackendName, LanguageModel, create_backend
from ..llm.fallback import LlmChain
from ..settings import ServerSettings
from ..store.db import Database
from .agent import Agent
from .intents import LANGUAGES, IntentHandler
from .timers import TimerService


def backend_names(settings: ServerSettings) -> list[BackendName]:
    """The chain in order: ``--llm-backend`` then ``--llm-fallback``; ``none`` ends it."""
    names: list[BackendName] = []
    for name in [settings.llm.backend, *settings.llm.fallback]:
        if name == "none":
            break
        names.append(name)
    return names


def create_agent(settings: ServerSettings, *, timers: TimerService | None = None) -> Agent:
    """Intents, the LLM chain and the history store for ``settings``.

    Imports the chosen backends' libraries (blocking: call it off the event loop) but loads no
    model; ``await agent.start()`` does that. ConfigError when a chosen backend is not installed.
    """
    llm = settings.llm
    backends: list[LanguageModel] = [
        create_backend(name, llm, settings.data_dir, primary=index == 0)
        for index, name in enumerate(backend_names(settings))
    ]
    chain = LlmChain(
        backends, first_token_timeout_s=llm.first_token_timeout_s, start_timeout_s=llm.start_timeout_s
    ) if backends else None
    intents = IntentHandler(LANGUAGES, timers or TimerService(), llm_available=chain is not None)
    return Agent(llm, intents=intents, chain=chain, db=Database.in_data_dir(settings.data_dir), home=home_client(settings))


def home_client(settings: ServerSettings) -> HomeAssistantClient | None:
    """The Home Assistant client of ``--ha-url`` (None without one; not started)."""
    ha = settings.ha
    if not ha.url:
        return None
    return HomeAssistantClient(ha.url, TokenSource(ha.token_file, ha.token), ha.timeout_s, settings.satellites)
