"""``create_agent(settings)``: the conversation agent the settings describe (not yet started)."""

from __future__ import annotations

from ..home.client import HomeAssistantClient
from ..home.token import TokenSource
from ..llm.base import BackendName, LanguageModel, create_backend
from ..llm.fallback import LlmChain
from ..settings import ServerSettings
from ..store.db import Database
from ..tools.base import ToolProvider
from ..tools.call_service import CallServiceTool
from ..tools.home_mcp import HomeAssistantMcp
from ..tools.toolbox import Toolbox
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


def create_agent(settings: ServerSettings, *, timers: TimerService | None = None, tools: Toolbox | None = None) -> Agent:
    """Intents, the LLM chain and the history store for ``settings``.

    Imports the chosen backends' libraries (blocking: call it off the event loop) but loads no
    model; ``await agent.start()`` does that. ConfigError when a chosen backend is not installed.
    ``tools``: the model's tools (default: those the Home Assistant settings give).
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
    return Agent(
        llm, intents=intents, chain=chain, db=Database.in_data_dir(settings.data_dir), home=home_client(settings),
        toolbox=(tools or toolbox(settings)) if chain is not None else None,
    )


def home_client(settings: ServerSettings) -> HomeAssistantClient | None:
    """The Home Assistant client of ``--ha-url`` (None without one; not started)."""
    ha = settings.ha
    if not ha.url:
        return None
    return HomeAssistantClient(ha.url, TokenSource(ha.token_file, ha.token), ha.timeout_s, settings.satellites)


def toolbox(settings: ServerSettings) -> Toolbox | None:
    """The language model's tools: Home Assistant's MCP tools (``--ha-mcp``, on by default with
    ``--ha-url``) and the call_service hatch (``--ha-call-service-domains``); None when neither."""
    ha = settings.ha
    if not ha.url:
        return None
    token = TokenSource(ha.token_file, ha.token)
    providers: list[ToolProvider] = []
    if ha.mcp != "off":
        providers.append(HomeAssistantMcp(ha.url, token, transport=ha.mcp, timeout_s=ha.timeout_s))
    if ha.call_service_domains:
        providers.append(CallServiceTool(ha.url, token, ha.call_service_domains, timeout_s=ha.timeout_s))
    return Toolbox(providers) if providers else None
