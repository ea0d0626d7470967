"""The error catalogue (``aria_server/error_codes.py``) is complete and is the one authority.

The source is scanned with ``ast``: every code an error is raised or sent with (any ``code=``
keyword, the second argument of an error class, ``code = "..."`` assignments, a class's
``default_code``, a Wyoming ``Error(code=...)``) must be catalogued, raised as its catalogued
class (or a subclass), and nothing may construct the bare ``AriaError``. A code written as an
f-string must match some catalogued code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import aria_server.errors
import aria_server.tools.base
import aria_wire.errors
from aria_server.error_codes import CATALOGUE, error_for, http_status
from aria_server.errors import AriaError, ConfigError, RequestError, SatelliteError, TtsError

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(REPO / "aria_server").rglob("*.py"), *(REPO / "aria_wire").rglob("*.py")])
CODE = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+$|^[a-z]+$")
ERROR_CLASSES: dict[str, type[AriaError]] = {
    name: value
    for module in (aria_wire.errors, aria_server.errors, aria_server.tools.base)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, AriaError)
}


@dataclass(frozen=True)
class Use:
    code: str
    raised_as: str | None
    """The error class's name, or None where the scan cannot tell (an assignment, an event)."""
    where: str
    pattern: bool = False
    """The code is an f-string: ``code`` is a regex its values match."""


def _literals(node: ast.AST | None) -> Iterator[tuple[str, bool]]:
    """The code(s) ``node`` spells: a literal, either branch of ``a if c else b``, an f-string as a regex."""
    if isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif (found := _literal(node)) is not None:
        yield found


def _literal(node: ast.AST | None) -> tuple[str, bool] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9-]+" for v in node.values]
        return "^" + "".join(parts) + "$", True
    return None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _uses(path: Path) -> Iterator[Use]:
    where = str(path.relative_to(REPO))
    for node in ast.walk(ast.parse(path.read_text(), where)):
        if isinstance(node, ast.Call):
            name = _called(node)
            keyword = next((k.value for k in node.keywords if k.arg == "code"), None)
            positional = node.args[1] if name in ERROR_CLASSES and len(node.args) >= 2 else None
            # Any ``code=`` keyword: an error class, a Wyoming Error event, a helper that raises.
            # Elsewhere only a hyphenated code counts: ``LanguageData(code="en")`` is a language.
            for value in (keyword, positional):
                for code, pattern in _literals(value):
                    if name in ERROR_CLASSES or name == "Error" or "-" in code:
                        yield Use(code, name if name in ERROR_CLASSES else None, f"{where}:{node.lineno}", pattern)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
            for code, pattern in _literals(node.value):
                if "-" in code:  # ``code = "en"`` is a language, not an error
                    yield Use(code, None, f"{where}:{node.lineno}", pattern)
        elif isinstance(node, ast.ClassDef) and node.name in ERROR_CLASSES:
            for statement in node.body:
                if isinstance(statement, ast.Assign) and getattr(statement.targets[0], "id", "") == "default_code":
                    if (found := _literal(statement.value)) is not None:
                        yield Use(found[0], node.name, f"{where}:{statement.lineno}")


USES = [use for path in SOURCES for use in _uses(path)]


def test_the_scan_finds_the_codes() -> None:
    """A guard for the scan itself: it must see the well-known raises."""
    codes = {use.code for use in USES}
    assert {"empty-text", "text-too-long", "unauthorized", "bad-config", "llm-model-missing", "stand-down"} <= codes


def test_every_raised_code_is_catalogued() -> None:
    missing = sorted(
        f"{use.where}: {use.code}"
        for use in USES
        if not (any(re.match(use.code, code) for code in CATALOGUE) if use.pattern else use.code in CATALOGUE)
    )
    assert missing == [], "catalogue these in aria_server/error_codes.py"


def test_every_code_is_raised_as_its_catalogued_class() -> None:
    wrong = sorted(
        f"{use.where}: {use.code} raised as {use.raised_as}, catalogued as {CATALOGUE[use.code].error.__name__}"
        for use in USES
        if use.raised_as is not None and not use.pattern and use.code in CATALOGUE
        and not issubclass(ERROR_CLASSES[use.raised_as], CATALOGUE[use.code].error)
    )
    assert wrong == []


def test_nothing_raises_the_bare_base_class() -> None:
    bare = sorted(
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and _called(node) == "AriaError"
    )
    assert bare == [], "raise a typed error (aria_server/errors.py), catalogued in error_codes.py"


def test_every_catalogued_code_is_used() -> None:
    used = {use.code for use in USES if not use.pattern}
    patterns = [use.code for use in USES if use.pattern]
    unused = sorted(
        code for code in CATALOGUE if code not in used and not any(re.match(pattern, code) for pattern in patterns)
    )
    assert unused == [], "no longer raised anywhere: drop them from the catalogue"


def test_each_class_default_code_is_catalogued_as_that_class() -> None:
    for error in ERROR_CLASSES.values():
        assert CATALOGUE[error.default_code].error is error, error.__name__


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (RequestError("no token", "unauthorized"), 401),
        (RequestError("bad", "bad-request"), 400),
        (RequestError("nope", "unknown-conversation"), 404),
        (ConfigError("bad value"), 422),
        (ConfigError("no agent", "no-agent"), 503),
        (SatelliteError("who?", "unknown-satellite"), 404),
        (TtsError("long", "text-too-long"), 413),
        (TtsError("remote said so", "remote-made-up-code"), 500),  # a code made at run time: its class's
    ],
)
def test_http_status_comes_from_the_catalogue(error: AriaError, status: int) -> None:
    assert http_status(error) == status


def test_an_error_event_becomes_its_typed_error_again() -> None:
    rebuilt = error_for("text-too-long", "too long")
    assert isinstance(rebuilt, TtsError) and rebuilt.code == "text-too-long" and rebuilt.message == "too long"
    assert type(error_for("never-heard-of-it", "?")).__name__ == "InternalError"
