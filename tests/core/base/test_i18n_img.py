"""Translation-ready: in the image, tensor and convolution files, every user-facing string goes
through gettext the way Babel can extract it, and nothing shadows `_`.

Checked on the source (ast): `_()` never holds an f-string, a concatenation or a .format call
(the placeholders are filled after translation); `N_()` marks only plain strings; files that use
`_` never rebind it (a `for _ in ...` would turn every later `_()` into a crash); the text
arguments of Streamlit calls and the titles and trace names of figures are never bare literals.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(
    [
        *(ROOT / "pages" / p for p in ("4_Image_Basics.py", "5_Tensors_Graphs.py", "6_Convolution.py")),
        # the image, convolution and tensor packages, core and ui alike, and the devices
        *(
            f
            for top in ("core", "ui")
            for pkg in ("imaging", "tensors_graphs")
            for f in (ROOT / top / pkg).glob("*.py")
        ),
        ROOT / "core" / "engine" / "devices.py",
    ]
)
ST_TEXT = {
    "title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
    "button", "toggle", "checkbox", "radio", "selectbox", "slider", "number_input", "text_input",
    "text_area", "file_uploader", "metric", "expander", "spinner", "tabs",
}  # fmt: skip
WORDS = re.compile(r"[A-Za-z]{2,}")


def _words(node: ast.AST) -> bool:
    """A literal (or f-string) holding at least one word."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_words(v) for v in node.values if isinstance(v, ast.Constant))
    return False


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_strings_are_wrapped_for_gettext(path):
    tree = ast.parse(path.read_text(), str(path))
    problems = []
    uses_gettext = any(
        isinstance(n, ast.ImportFrom) and n.module == "core.base.i18n" and any(a.name == "_" for a in n.names)
        for n in ast.walk(tree)
    )
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if uses_gettext and isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            problems.append(f"{line}: `_` rebound")
        if uses_gettext and isinstance(node, ast.arg) and node.arg == "_":
            problems.append(f"{line}: `_` as a parameter")
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        if name in ("_", "N_"):
            arg = node.args[0] if node.args else None
            if arg is None or len(node.args) != 1 or node.keywords:
                problems.append(f"{line}: {name}() takes one string")
            elif isinstance(arg, ast.JoinedStr | ast.BinOp | ast.Call):
                problems.append(f"{line}: {name}() of an f-string, a sum or a call")
            elif name == "N_" and not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                problems.append(f"{line}: N_() of something other than a string literal")
        st_call = isinstance(node.func, ast.Attribute) and (
            (isinstance(node.func.value, ast.Name) and node.func.value.id in ("st", "col", "c1", "c2"))
            or name in ST_TEXT
        )
        if st_call and name in ST_TEXT and node.args and _words(node.args[0]):
            problems.append(f"{line}: st.{name}() with a bare text")
        for kw in node.keywords:
            if kw.arg in ("label", "help", "caption", "title", "name", "annotation_text") and _words(
                kw.value
            ):
                problems.append(f"{line}: {kw.arg}= a bare text")
    assert not problems, "\n".join(problems)


def test_the_checker_catches_what_it_should():
    bad = (
        "from core.base.i18n import _\n"
        "st.markdown('Hello there')\n"
        "x = _(f'{n} pixels')\n"
        "for _ in range(3):\n    pass\n"
        "fig.update_layout(title='Loss curve')\n"
    )
    tree = ast.parse(bad)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert any(_name(c) == "markdown" and _words(c.args[0]) for c in calls)
    assert any(_name(c) == "_" and isinstance(c.args[0], ast.JoinedStr) for c in calls)
    assert any(
        isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in ast.walk(tree)
    )
    assert any(kw.arg == "title" and _words(kw.value) for c in calls for kw in c.keywords)
