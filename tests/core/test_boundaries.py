"""core/ stays pure Python + torch: no module under it imports streamlit, ui or pages."""

from __future__ import annotations

import ast
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
    src = "import torch\nimport numpy as np\nfrom core.models import build_mlp\nfrom . import config\n"
    assert imported_roots(src) == {"torch", "numpy", "core"}
    assert imported_roots("from .. import ui") == {".."}
