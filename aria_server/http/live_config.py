"""The configuration as the API sees it: validate a partial change, persist it, apply what can be.

A change is merged into the configured tree, validated strictly with the same pydantic models
as the command line (a JSON string is not a number), persisted through ``ConfigStore`` and only
then handed to the live appliers. Anything an applier does not take effect on needs a restart,
and stays listed in ``restart_required`` until the running value matches again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr, ValidationError

from aria_wire.settings_tree import merge_trees

from ..config import describe_validation_error
from ..concurrency import run_blocking
from ..config_checks import settings_problems
from ..config_store import ConfigStore
from ..errors import AriaError
from ..settings import ServerSettings
from .errors import RequestError

_LOGGER = logging.getLogger(__name__)

MASK = "********"
"""Stands for a secret's value in answers; sending it back leaves the secret unchanged."""

_SECRET_NAMES = ("api_key", "password", "secret", "token")
_READ_ONLY = {"data_dir": "the data directory holds this configuration; change it with --data-dir"}

Applier = Callable[[ServerSettings, ServerSettings], Awaitable[Iterable[str]]]
"""``(old, new) -> dotted paths it applied``; called after each persisted change."""

Check = Callable[[ServerSettings], Awaitable[str | None]]
"""``new settings -> what is wrong`` (None: fine); run for its path when that path changes, so a
model or voice that is not installed is refused now rather than at the next start."""


def is_secret(path: str) -> bool:
    """Whether a dotted settings path names a secret (never sent back in clear)."""
    leaf = path.rsplit(".", 1)[-1]
    return leaf in _SECRET_NAMES or leaf.endswith(tuple(f"_{name}" for name in _SECRET_NAMES))


def plain_tree(settings: ServerSettings) -> dict[str, Any]:
    """The settings as a JSON tree with secrets in clear (pydantic masks SecretStr in dumps)."""
    tree = settings.model_dump(mode="json")
    for path in flatten(tree):
        value: Any = settings
        for part in path.split("."):
            # A table (the per-satellite profiles) is a dict of models.
            value = value[part] if isinstance(value, Mapping) else getattr(value, part)
        if isinstance(value, SecretStr):
            *sections, leaf = path.split(".")
            node = tree
            for section in sections:
                node = node[section]
            node[leaf] = value.get_secret_value()
    return tree


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"llm": {"model": "x"}}`` -> ``{"llm.model": "x"}`` (lists stay leaves)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of ``flatten``."""
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        *sections, leaf = path.split(".")
        node = tree
        for section in sections:
            node = node.setdefault(section, {})
        node[leaf] = value
    return tree


def masked(settings: ServerSettings) -> dict[str, Any]:
    """The settings tree as JSON, every set secret replaced by MASK."""
    flat = flatten(plain_tree(settings))
    return unflatten({path: MASK if value and is_secret(path) else value for path, value in flat.items()})


def _drop_masked(change: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in change.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            kept[key] = _drop_masked(value, f"{path}.")
        elif not (value == MASK and is_secret(path)):
            kept[key] = value
    return kept


def validate(tree: Mapping[str, Any]) -> ServerSettings:
    """Strict validation; a RequestError (422) naming each bad field on failure."""
    try:
        return ServerSettings.model_validate_json(json.dumps(tree), strict=True)
    except ValidationError as err:
        fields = {".".join(str(p) for p in problem["loc"]): problem["msg"] for problem in err.errors()}
        for path, problem in fields.items():
            if problem == "Extra inputs are not permitted":
                fields[path] = "unknown setting"
        raise RequestError(describe_validation_error(err), "invalid-config", fields=fields) from err


@dataclass(frozen=True)
class ConfigChange:
    """What one accepted change did."""

    changed: list[str]
    applied: list[str]
    restart_required: list[str]


class LiveConfig:
    """The configured settings, the running ones, and the store that keeps the difference."""

    def __init__(
        self,
        settings: ServerSettings,
        store: ConfigStore,
        appliers: Iterable[Applier] = (),
        checks: Mapping[str, Check] | None = None,
        start_problem: str | None = None,
    ) -> None:
        self.settings = settings
        """The configured settings (what a restart would run with, save for env/CLI pins)."""
        self._running = flatten(plain_tree(settings))
        self._store = store
        self._appliers = list(appliers)
        self._checks = dict(checks or {})
        self.start_problem = start_problem
        """Why the saved configuration could not start (the server runs on the last good one), or None."""

    async def _check(self, new: ServerSettings, changed: list[str]) -> None:
        problems = {path: problem for path in changed if path in self._checks and (problem := await self._checks[path](new))}
        # Only what this change touched: an old problem elsewhere does not block a new edit.
        found = await run_blocking(None, settings_problems, new)
        problems.update({path: problem for path, problem in found.items() if path in changed})
        if problems:
            message = "; ".join(f"{path}: {problem}" for path, problem in problems.items())
            raise RequestError(message, "invalid-config", fields=problems)

    @property
    def restart_required(self) -> list[str]:
        """Dotted paths whose configured value is not what the server is running with."""
        configured = flatten(plain_tree(self.settings))
        return sorted(path for path, value in configured.items() if self._running.get(path) != value)

    async def change(self, change: Mapping[str, Any]) -> ConfigChange:
        """Validate, persist, apply. RequestError (nothing stored) when any field is bad."""
        change = _drop_masked(change)
        bad = {path: reason for path, reason in _READ_ONLY.items() if path in change}
        if bad:
            raise RequestError(
                "; ".join(f"{path}: {reason}" for path, reason in bad.items()), "read-only-setting", fields=bad
            )
        async with self._store.lock:
            old = self.settings
            new = validate(merge_trees(plain_tree(old), change))
            before, after = flatten(plain_tree(old)), flatten(plain_tree(new))
            changed = sorted(path for path, value in after.items() if before.get(path) != value)
            await self._check(new, changed)
            applied: set[str] = set()
            if changed:
                # Only the leaves that really changed: the TOML file keeps its say over the rest.
                await self._store.save(merge_trees(self._store.overlay, unflatten({p: after[p] for p in changed})))
                self.settings = new
                applied = await self._apply(old, new)
                for path in applied:
                    self._running[path] = after[path]
                _LOGGER.info("configuration changed: %s (applied live: %s)", ", ".join(changed), sorted(applied) or "none")
        return ConfigChange(changed=changed, applied=sorted(applied & set(changed)), restart_required=self.restart_required)

    async def _apply(self, old: ServerSettings, new: ServerSettings) -> set[str]:
        """Hand a persisted change to every applier; what one cannot apply waits for a restart."""
        applied: set[str] = set()
        for applier in self._appliers:
            try:
                applied.update(await applier(old, new))
            except AriaError as err:
                _LOGGER.warning("could not apply the change live (a restart will): %s", err)
        return applied
