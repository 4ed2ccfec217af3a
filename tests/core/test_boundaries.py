"""core/ stays pure Python + torch: no module under it imports streamlit, ui or pages; and between the
topic packages of core/ and of ui/ imports go one way, as core.LAYERS and ui.LAYERS say."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

FORBIDDEN = {"streamlit", "ui", "pages"}


def imported_roots(source: str, filename: str = "<src>") -> set[str]:
    """Top-level package names a module imports: import/from statements (relative imports that
    climb out of core/ count as '..'), plus importlib.import_module / __import__ with a literal."""
    roots = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                roots.add(node.module.split(".")[0])
            elif node.level > 1:
                roots.add("..")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                roots.add(node.args[0].value.split(".")[0])
    return roots


def core_files(root: Path) -> list[Path]:
    return sorted((root / "core").rglob("*.py"))


def test_core_has_modules(repo_root):
    names = {p.name for p in core_files(repo_root)}
    assert {"config.py", "models.py", "training.py", "__main__.py"} <= names


def test_no_core_module_imports_the_ui(repo_root):
    offenders = {}
    for path in core_files(repo_root):
        bad = imported_roots(path.read_text(), str(path)) & (FORBIDDEN | {".."})
        if bad:
            offenders[str(path.relative_to(repo_root))] = sorted(bad)
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import streamlit as st",
        "import streamlit.components.v1",
        "from streamlit import session_state",
        "from ui.charts import plot",
        "import pages.mlp",
        "def f():\n    import ui\n",
        "import importlib\nimportlib.import_module('streamlit')",
        "__import__('pages.x')",
    ],
)
def test_checker_catches_forbidden_imports(source):
    assert imported_roots(source) & FORBIDDEN


def test_checker_allows_core_dependencies():
    src = "import torch\nimport numpy as np\nfrom core.engine.models import build_mlp\nfrom . import config\n"
    assert imported_roots(src) == {"torch", "numpy", "core"}
    assert imported_roots("from .. import ui") == {".."}


# --- one direction between packages ---------------------------------------------------------------
def imported_modules(source: str, filename: str = "<src>") -> set[str]:
    """Every dotted module name a file imports (from X import a, b counts X.a and X.b, so that
    `from core import engine` names the package it takes)."""
    names = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def package_of(top: str, path: Path, root: Path) -> str | None:
    """The topic package a file under core/ or ui/ belongs to (None for core/__main__.py etc.)."""
    parts = path.relative_to(root / top).parts
    return parts[0] if len(parts) > 1 else None


def import_edges(root: Path, top: str) -> dict[tuple[str, str], list[str]]:
    """(from package, to package) -> the files that make that import, for one of core/ and ui/."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted((root / top).rglob("*.py")):
        here = package_of(top, path, root)
        if here is None:
            continue
        targets = set()
        for name in imported_modules(path.read_text(), str(path)):
            parts = name.split(".")
            if parts[0] == top and len(parts) > 1 and parts[1] != here and (root / top / parts[1]).is_dir():
                targets.add(parts[1])
        for there in sorted(targets):
            edges.setdefault((here, there), []).append(str(path.relative_to(root)))
    return edges


def forbidden_edges(edges: dict, layers: dict[str, set[str]]) -> dict:
    return {e: files for e, files in edges.items() if e[1] not in layers.get(e[0], set())}


@pytest.mark.parametrize("top", ["core", "ui"])
def test_packages_import_only_what_their_layer_allows(repo_root, top):
    """Each package imports only the packages its row of core.LAYERS / ui.LAYERS names."""
    layers = importlib.import_module(top).LAYERS
    packages = {p.name for p in (repo_root / top).iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(layers), "a package missing from LAYERS, or a row with no package"
    assert forbidden_edges(import_edges(repo_root, top), layers) == {}


@pytest.mark.parametrize("top", ["core", "ui"])
def test_layers_table_has_no_circle(top):
    """The table itself is one direction: following its rows never comes back to the start."""
    layers = importlib.import_module(top).LAYERS

    def reach(p: str, seen: frozenset = frozenset()) -> set[str]:
        assert p not in seen, f"circle through {p}"
        return set().union(*(reach(q, seen | {p}) | {q} for q in layers[p])) if layers[p] else set()

    for p in layers:
        assert p not in reach(p)


def module_circles(root: Path, top: str) -> list[list[str]]:
    """Groups of modules under top/ that import each other, at any depth (lazy imports count)."""
    mods = {".".join(p.relative_to(root).with_suffix("").parts): p for p in (root / top).rglob("*.py")}
    graph = {
        m: {n for n in imported_modules(p.read_text()) if n in mods and n != m and not n.endswith("__init__")}
        for m, p in mods.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan: strongly connected components of more than one module
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = [stack.pop()]
            while comp[-1] != v:
                comp.append(stack.pop())
            if len(comp) > 1:
                circles.append(sorted(comp))

    for m in sorted(graph):
        if m not in index:
            visit(m)
    return circles


@pytest.mark.parametrize("top", ["core", "ui"])
def test_no_module_imports_circle(repo_root, top):
    """No two modules import each other, directly or round a longer loop."""
    assert module_circles(repo_root, top) == []


def test_checker_sees_a_forbidden_edge_and_a_circle(tmp_path):
    """The checks above fail where they should: on a made-up tree that breaks both rules."""
    for rel, src in {
        "core/base/__init__.py": "",
        "core/base/a.py": "from core.engine.b import f\n",
        "core/engine/__init__.py": "",
        "core/engine/b.py": "def f():\n    from core.base import a\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(src)
    edges = import_edges(tmp_path, "core")
    assert set(edges) == {("base", "engine"), ("engine", "base")}
    bad = forbidden_edges(edges, {"base": set(), "engine": {"base"}})
    assert set(bad) == {("base", "engine")} and bad[("base", "engine")] == ["core/base/a.py"]
    assert module_circles(tmp_path, "core") == [["core.base.a", "core.engine.b"]]
