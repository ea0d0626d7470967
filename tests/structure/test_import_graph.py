"""The package map as a rule: what may import what, and no import cycles.

    aria_wire        the Wyoming wire both programs share: imports neither program
    aria_satellite   the room device: imports aria_wire only
    aria_server      the server: imports aria_wire, never the satellite or the benchmark
    aria_bench       the benchmark: a client of any Wyoming server (may start aria-server)

The graph is read from the source with ``ast`` (every ``import``, top-level or inside a function),
so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("aria_wire", "aria_satellite", "aria_server", "aria_bench")

ALLOWED = {
    "aria_wire": {"aria_wire"},
    "aria_satellite": {"aria_satellite", "aria_wire"},
    "aria_server": {"aria_server", "aria_wire"},
    "aria_bench": {"aria_bench", "aria_wire", "aria_server"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield target
            # `from pkg import mod` imports a module when `mod` is one.
            for alias in node.names:
                yield f"{target}.{alias.name}"


def _graph() -> dict[str, set[str]]:
    sources = {_module_name(p): p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        graph[name] = {target for target in _imports(path) if target in sources and target != name}
    return graph


def test_packages_import_only_what_the_map_allows() -> None:
    wrong = sorted(
        f"{source} imports {target}"
        for source, targets in _graph().items()
        for target in targets
        if target.split(".")[0] not in ALLOWED[source.split(".")[0]]
    )
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = _graph()
    # A package's __init__ importing its own submodules is how a package exposes them, not a cycle.
    edges = {src: {dst for dst in dsts if not src.startswith(dst + ".")} for src, dsts in graph.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_found(package: str) -> None:
    assert (REPO / package / "__init__.py").is_file()


# -- inside the server: arrows point from the faces and the composition root down to the stages --

STAGES = ("vad", "stt", "tts", "llm", "conversation", "home", "tools", "store", "turn_taking")
"""The stage packages: what a turn is made of. They know nothing of who composes or calls them."""
FACES = ("wyoming", "http", "satellites")
"""The faces: they translate a wire into calls on the stages and the pipeline."""

BACK_ARROWS = {
    "a stage imports the composition root": lambda src, dst: _in(src, *STAGES) and dst == "aria_server.services",
    "a stage imports the pipeline": lambda src, dst: _in(src, *STAGES) and _in(dst, "pipeline"),
    "a stage imports a face": lambda src, dst: _in(src, *STAGES) and _in(dst, *FACES),
    "the composition root imports a face": lambda src, dst: src == "aria_server.services" and _in(dst, *FACES),
    "the pipeline imports a face": lambda src, dst: _in(src, "pipeline") and _in(dst, *FACES),
}
"""Each rule names the arrow it forbids (``tts/`` importing ``pipeline/chunker.py`` and
``services.py`` importing ``wyoming/info.py`` were the two this rule set was written against)."""


def _in(module: str, *packages: str) -> bool:
    return any(module == f"aria_server.{p}" or module.startswith(f"aria_server.{p}.") for p in packages)


def test_no_back_arrows_inside_the_server() -> None:
    wrong = sorted(
        f"{rule}: {source} imports {target}"
        for source, targets in _graph().items()
        for target in targets
        for rule, forbids in BACK_ARROWS.items()
        if forbids(source, target)
    )
    assert wrong == []


def test_stt_gets_the_home_vocabulary_at_construction() -> None:
    """Nobody wires STT by assigning an attribute after the fact (``stt.home_names = ...``)."""
    assigned = sorted(
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in (REPO / "aria_server").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and target.attr == "home_names"
        and not (isinstance(target.value, ast.Name) and target.value.id == "self")
    )
    assert assigned == []
