"""The size guide as a rule: no module over 420 lines, no function over 65 (issue 23).

CONVENTIONS.md C1 asks for modules under about 400 lines and functions under about 50; the
limits here leave a little room above that guide, so a module or a function that grows past it
must be split (one concept per module, a function as a sequence of named steps) rather than let
grow. ``aria_bench`` is not held to them: its reports are long by nature. Read from the source
with ``ast``, like ``test_import_graph.py``; a function's length runs from its ``def`` line to
its last line (decorators not counted, nested functions counted in their parent too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("aria_server", "aria_satellite", "aria_wire")

MAX_MODULE_LINES = 420
MAX_FUNCTION_LINES = 65

MODULE_EXCEPTIONS: dict[str, str] = {
    # "package/path.py": "why it may be longer, and the issue that will split it",
}
"""Modules allowed over ``MAX_MODULE_LINES``: none today. An entry needs a reason."""

FUNCTION_EXCEPTIONS: dict[str, str] = {
    # "package/path.py::Class.method": "why it may be longer, and the issue that will split it",
}
"""Functions allowed over ``MAX_FUNCTION_LINES``: none today. An entry needs a reason."""


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Every function (methods and nested ones too) with its qualified name and its length."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}{node.name}"
            assert node.end_lineno is not None
            yield name, node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def _module_lengths() -> dict[str, int]:
    return {_name(path): len(path.read_text().splitlines()) for path in _sources()}


def _function_lengths() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        for name, length in _functions(tree):
            lengths[f"{_name(path)}::{name}"] = length
    return lengths


def test_no_module_is_over_the_limit() -> None:
    too_long = sorted(
        f"{name}: {lines} lines" for name, lines in _module_lengths().items()
        if lines > MAX_MODULE_LINES and name not in MODULE_EXCEPTIONS
    )
    assert too_long == [], f"split these modules (at most {MAX_MODULE_LINES} lines each)"


def test_no_function_is_over_the_limit() -> None:
    too_long = sorted(
        f"{name}: {lines} lines" for name, lines in _function_lengths().items()
        if lines > MAX_FUNCTION_LINES and name not in FUNCTION_EXCEPTIONS
    )
    assert too_long == [], f"split these functions into named steps (at most {MAX_FUNCTION_LINES} lines each)"


def test_every_exception_is_still_needed() -> None:
    """An allowed module or function that was split (or removed) leaves the allow-list."""
    modules, functions = _module_lengths(), _function_lengths()
    stale = sorted(
        [name for name in MODULE_EXCEPTIONS if modules.get(name, 0) <= MAX_MODULE_LINES]
        + [name for name in FUNCTION_EXCEPTIONS if functions.get(name, 0) <= MAX_FUNCTION_LINES]
    )
    assert stale == []


def test_the_function_walk_sees_methods_and_nested_functions() -> None:
    """The rule is only as good as the walk: a method and a nested function are both measured."""
    tree = ast.parse("class A:\n    async def f(self):\n        def g():\n            pass\n        return g\n")
    assert dict(_functions(tree)) == {"A.f": 4, "A.f.g": 2}
