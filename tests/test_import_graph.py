"""The import graph of the landplan package: no cycle among module-level imports.

Every module's AST is walked; its imports of landplan modules are listed in two graphs: those
at module level (run when the module is imported) and those inside functions (lazy, run when
the function is). A cycle of module-level imports makes the import order matter and breaks on
a reordering; it fails here. A lazy import that closes a cycle (module A imports B at module
level, B imports A inside a function) is allowed only when listed in :data:`LAZY_CYCLES` with
its reason: the next engineer sees that the two modules know each other, and why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "landplan"
#: The package itself: its ``__init__`` re-exports the public API and is imported before any of
#: its modules, so an edge to it (``from . import labels`` names it too) orders nothing; it is
#: left out of the graph.
ROOT = "landplan"

#: Module-level cycles that exist and are removed by another item of issue 21: (the modules of
#: the cycle, sorted) → the item that removes it. Empty: the package has none.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}

#: Lazy imports (importer, imported) that close a cycle, each with its reason.
LAZY_CYCLES: dict[tuple[str, str], str] = {
    ("landplan.store.folder", "landplan.store.postgis"):
        "PostGISWorkspace subclasses the folder Workspace, which Workspace.open (and the deprecated "
        "Workspace(url)) returns for a postgresql:// URL; lazy also so that SQLAlchemy is loaded "
        "for a database only",
    ("landplan.store.history", "landplan.store.folder"):
        "the folder store records its parcel writes through the history (module level); the "
        "history's queries (change_log(path), parcels_as_of(path) …) also take a path and open it "
        "as a Workspace",
    ("landplan.store.history", "landplan.io.writers"):
        "changes.csv is written by io.writers.write_csv (the one CSV writer: RFC 4180, text made "
        "safe for Excel), and io.writers imports the Workspace; issue 21 item 4 (one write_table "
        "for every table output) is where the writers stop importing the store",
}


def _module_name(path: Path) -> str:
    """``landplan/store/folder.py`` → ``landplan.store.folder`` (a package: its ``__init__``)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The landplan modules an import statement names (``from . import x`` names ``pkg.x``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "landplan"]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module]) if node.module else ".".join(base)
    else:
        target = node.module or ""
    if target.split(".")[0] != "landplan":
        return []
    # `from pkg import mod` imports the module pkg.mod; `from pkg import name` pkg's __init__.
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def import_graphs() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level imports, function-level imports): module → the landplan modules it imports."""
    files = MODULES
    top: dict[str, set[str]] = {m: set() for m in files}
    lazy: dict[str, set[str]] = {m: set() for m in files}

    def visit(node, module, is_package, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                names = [n for n in _resolve(module, is_package, child) if n in files and n != ROOT]
                (lazy if in_function else top)[module].update(n for n in names if n != module)
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # `if TYPE_CHECKING:` imports never run
            visit(child, module, is_package, inner)

    for module, path in files.items():
        visit(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py", False)
    # importing a.b.c runs the package a.b's __init__ first: an edge to it too, unless the
    # importer is inside a.b (then a.b is already being initialised)
    for graph in (top, lazy):
        for module, names in graph.items():
            for name in list(names):
                parts = name.split(".")
                names.update(p for k in range(2, len(parts)) if (p := ".".join(parts[:k])) in files
                             and p != module and not module.startswith(p + "."))
    return top, lazy


def _is_type_checking(test) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[tuple[str, ...]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(tuple(sorted(comp)))

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                strong(v)
    finally:
        sys.setrecursionlimit(limit)
    return out


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_the_graph_sees_the_package():
    top, lazy = import_graphs()
    assert "landplan.store" in top and "landplan.store.gpkg" in top
    assert {"landplan.store.history", "landplan.store"} <= top["landplan.history"]  # a shim
    assert "landplan.store.folder" in lazy["landplan.store.history"]
    assert "landplan.store.history" in top["landplan.store.folder"]
    # a planted cycle is found
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]


def test_no_cycle_among_module_level_imports():
    top, _ = import_graphs()
    found = {c: KNOWN_CYCLES.get(c) for c in cycles(top)}
    unknown = [" → ".join(c) for c, item in found.items() if item is None]
    assert not unknown, f"module-level import cycles: {unknown}"
    stale = [c for c in KNOWN_CYCLES if c not in found]
    assert not stale, f"listed as known but gone (remove them from KNOWN_CYCLES): {stale}"


@pytest.mark.parametrize("store", ["landplan.store", "landplan.workspace", "landplan.history",
                                   "landplan.pgworkspace", "landplan.edit", "landplan.lock"])
def test_lazy_imports_closing_a_cycle_are_listed_with_a_reason(store):
    top, lazy = import_graphs()
    both = {m: top[m] | lazy[m] for m in top}
    closing = sorted((a, b) for a in lazy for b in lazy[a]
                     if (a == store or a.startswith(store + ".")) and b not in top[a] and _reaches(both, b, a))
    unlisted = [pair for pair in closing if pair not in LAZY_CYCLES]
    assert not unlisted, f"lazy imports closing a cycle, not listed in LAZY_CYCLES: {unlisted}"
