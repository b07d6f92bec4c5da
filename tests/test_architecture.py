"""The package's layout: imports point one way, no import cycle, every module small.

Every module under ``ddx/`` is parsed with ``ast`` (nothing is imported). Its
imports of ``ddx`` modules, absolute and relative, are collected; those under
``if TYPE_CHECKING:`` are not run, so they do not count. Each module maps to a
layer (``LAYERS``, drawn in docs/architecture.md); a module may import its own
layer or a lower one, never a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "ddx"

#: Layer of each module, by the longest matching name prefix; a lower number is a lower layer.
LAYERS: dict[str, int] = {
    "ddx.errors": 0,
    "ddx.knowledge": 1,
    "ddx.inference": 2,
    "ddx.clinical": 3,
    "ddx.engine": 4,
    "ddx.fhir": 4,
    "ddx.interview": 5,
    "ddx.batch": 5,
    "ddx.pictures": 5,
    "ddx.bench": 5,
    "ddx.service": 5,
    "ddx.cli": 6,
    "ddx.dask": 6,
    "ddx.__main__": 7,
}
#: The package itself (ddx/__init__.py, the public API) is the top layer; only its own name maps there.
TOP = ("ddx", 7)
NAMES = {
    0: "base",
    1: "knowledge",
    2: "inference",
    3: "clinical",
    4: "engine",
    5: "front end",
    6: "command line and integrations",
    7: "package",
}
#: Front ends sit side by side: none imports another (the command line sits above them all).
FRONT_ENDS = ("ddx.interview", "ddx.batch", "ddx.pictures", "ddx.bench", "ddx.service")
MAX_LINES = 450
#: Names of the package any layer may read: ``__version__`` is set first in ddx/__init__.py, before any import.
READABLE = ("__version__",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def imports(name: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """``(line, imported module)`` for each ``ddx`` module ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "ddx"]
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        if target.split(".")[0] != "ddx":
            continue
        for alias in node.names:  # ``from ddx import engine`` imports the module ddx.engine
            if target == "ddx" and alias.name in READABLE:
                continue
            sub = f"{target}.{alias.name}"
            out.append((node.lineno, sub if sub in known else target))
    return sorted(set(out))


def layer_of(name: str) -> tuple[str, int] | None:
    if name == TOP[0]:
        return TOP
    matches = [prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")]
    if not matches:
        return None
    prefix = max(matches, key=len)
    return prefix, LAYERS[prefix]


def _front_end(name: str) -> str | None:
    return next((f for f in FRONT_ENDS if name == f or name.startswith(f + ".")), None)


def graph() -> dict[str, list[tuple[int, str]]]:
    found = modules()
    known = set(found)
    return {name: [(line, t) for line, t in imports(name, path, known) if t != name] for name, path in found.items()}


def layer_problems(edges: dict[str, list[tuple[int, str]]]) -> list[str]:
    problems = []
    for name, targets in edges.items():
        mine = layer_of(name)
        if mine is None:
            problems.append(f"{name}: in no layer (add it to LAYERS and docs/architecture.md)")
            continue
        for line, target in targets:
            theirs = layer_of(target)
            if theirs is None:
                continue  # reported as the importing module of its own entry
            if theirs[1] > mine[1]:
                problems.append(
                    f"{name} (line {line}) imports {target}: "
                    f"{NAMES[mine[1]]} layer ({mine[0]}) imports the higher {NAMES[theirs[1]]} layer ({theirs[0]})"
                )
            elif _front_end(name) and _front_end(target) and _front_end(name) != _front_end(target):
                problems.append(f"{name} (line {line}) imports {target}: one front end imports another")
    return problems


def cycles(edges: dict[str, list[tuple[int, str]]]) -> list[list[str]]:
    """The import cycles: one per strongly connected group of modules, as a path that closes."""
    nodes = set(edges)
    succ = {n: sorted({t for _, t in edges[n] if t in nodes}) for n in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(nodes):
        if v not in index:
            connect(v)
    return [_closed_path(group, succ) for group in groups]


def _closed_path(group: list[str], succ: dict[str, list[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start, inside = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in succ[v]:
            if w == start:
                return [*paths[v], start]
            if w in inside and w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return [*group, start]  # pragma: no cover - a strongly connected group always closes


def test_every_module_is_parsed() -> None:
    found = modules()
    assert "ddx" in found and len(found) > 30


def test_lower_layers_never_import_higher_ones() -> None:
    problems = layer_problems(graph())
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_no_import_cycle() -> None:
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_module_is_too_long() -> None:
    long = {name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in modules().items()}
    over = [f"{p.relative_to(REPO)}: {n} lines" for p, n in ((modules()[m], long[m]) for m in long) if n > MAX_LINES]
    assert not over, f"modules over {MAX_LINES} lines (split them along their jobs):\n" + "\n".join(over)


def test_type_checking_imports_do_not_count(tmp_path: Path) -> None:
    source = tmp_path / "ddx" / "knowledge" / "m.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from ..engine import Engine\n"
        "if TYPE_CHECKING:\n    from ddx.cli import main\n"
        "def f():\n    from . import load\n"
    )
    found = [t for _, t in imports("ddx.knowledge.m", source, {"ddx.knowledge.load"})]
    assert found == ["ddx.engine", "ddx.knowledge.load"]


def test_a_higher_import_and_a_cycle_are_reported() -> None:
    edges = {
        "ddx.knowledge.load": [(3, "ddx.engine.core")],
        "ddx.engine.core": [(5, "ddx.knowledge.load")],
        "ddx.batch.read": [(7, "ddx.pictures.plot")],
        "ddx.pictures.plot": [],
    }
    problems = layer_problems(edges)
    assert any("ddx.knowledge.load (line 3) imports ddx.engine.core" in p for p in problems)
    assert any("one front end imports another" in p for p in problems)
    assert cycles(edges) == [["ddx.engine.core", "ddx.knowledge.load", "ddx.engine.core"]]


@pytest.mark.parametrize("name", ["ddx.errors", "ddx.knowledge.load", "ddx.cli.entry", "ddx"])
def test_layer_table_covers(name: str) -> None:
    assert layer_of(name) is not None
