"""The catalogs against the code: every wrapped string translated, placeholders and formulas kept,
nothing extracted that the code does not say, and the catalog the app compiles is the file's.

Extraction runs exactly as `make messages` does (babel.cfg, keywords _ N_ ngettext), in memory.
When a test here fails after a code change, run `make messages` and translate what it lists.
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.base import i18n
from core.base.i18n import LANGUAGES, _, catalog, language, ngettext, po_path, set_language

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}  # as in the Makefile
TRANSLATED = [lang for lang in LANGUAGES if lang != i18n.DEFAULT]


def _mapping() -> list[tuple[str, str]]:
    """babel.cfg's [python: pattern] sections, as extract_from_dir wants them."""
    text = (ROOT / "babel.cfg").read_text()
    return [(m.group(2), m.group(1)) for m in re.finditer(r"^\[(\w+): (.+)\]$", text, re.M)]


def extracted() -> dict[str, set[str]]:
    """msgid -> the files it comes from, extracted as `make messages` extracts it."""
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), _mapping(), keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, set()).add(filename)
    return found


def po(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def sources() -> list[Path]:
    files = [ROOT / "dashboard.py"]
    for folder in ("pages", "core", "ui"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def _literal_calls(tree: ast.AST):
    """The first argument of every _(), N_() and ngettext() call, f-strings included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
            if node.args:
                yield node.args[0]


def test_there_is_a_korean_catalog():
    assert "ko" in TRANSLATED and LANGUAGES["ko"] == "한국어" and LANGUAGES["en"] == "English"
    assert list(LANGUAGES)[-1] == "en"  # the picker lists the catalogs, then English


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_wrapped_string_is_translated(lang):
    code = extracted()
    entries = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in po(lang) if m.id}
    missing = sorted(
        f"{msgid!r} ({', '.join(sorted(code[msgid]))})" for msgid in code if msgid not in entries
    )
    assert not missing, f"not in the {lang} catalog (run `make messages`):\n" + "\n".join(missing)
    empty = [
        msgid
        for msgid, m in entries.items()
        if not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert not empty, f"untranslated in {lang}:\n" + "\n".join(map(repr, empty))
    fuzzy = [msgid for msgid, m in entries.items() if m.fuzzy]
    assert not fuzzy, f"fuzzy (guessed, shown in English until reviewed) in {lang}:\n" + "\n".join(
        map(repr, fuzzy)
    )
    stale = sorted(set(entries) - set(code))
    assert not stale, f"in the {lang} catalog but no longer in the code (run `make messages`):\n" + "\n".join(
        map(repr, stale)
    )


def fields(text: str) -> Counter:
    """str.format fields with their conversion and spec: {x:g} and {x:.3g} differ, {{x}} is none."""
    try:
        return Counter((f, c, s) for _lit, f, s, c in string.Formatter().parse(text) if f is not None)
    except ValueError:  # not a format string at all (lone braces): compare the braces themselves
        return Counter(re.findall(r"[{}]", text))


def kept(text: str) -> Counter:
    """What a translation must keep exactly: format fields, plotly %{...}, $math$, markdown bold."""
    return (
        fields(text)
        + Counter(re.findall(r"%\{[^}]*\}", text))
        + Counter(re.findall(r"\$[^$]+\$", text))
        + Counter({"**": text.count("**")})
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_and_formulas(lang):
    wrong = []
    for m in po(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            if s and kept(s) != kept(ids[-1]) and kept(s) != kept(ids[0]):
                wrong.append(f"{ids[0]!r}\n  -> {s!r}\n  differs in {kept(s) ^ kept(ids[-1])}")
    assert not wrong, "\n".join(wrong)


def test_the_checker_of_placeholders_sees_a_lost_or_changed_one():
    assert kept("{n} points, {v:.3g}") != kept("{n}개 점, {v:.4g}")
    assert kept("epoch %{x}: loss %{y:.4g}") != kept("에포크: 손실 %{y:.4g}")
    assert kept(r"a step $z \ge 0$") != kept(r"계단 $z > 0$")
    assert kept("{name}, L = %{{x}}") == kept("{name}, 층 L = %{{x}}")


class Term(NamedTuple):
    """A Korean term settled once (the glossary at the top of the catalog): `variant` must not be in
    a msgstr whose msgid says one of `says` (any msgid when empty) and none of `unless`, whole
    words, any case. `settled` is what to write instead; where it contains the variant (역전파 in
    오차역전파), the settled term itself does not count as the variant."""

    variant: str
    settled: str
    says: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def applies(self, msgid: str) -> bool:
        def said(words: tuple[str, ...]) -> bool:
            return any(re.search(rf"\b{re.escape(w)}\b", msgid, re.I) for w in words)

        return (not self.says or said(self.says)) and not said(self.unless)

    def found_in(self, msgstr: str) -> bool:
        return self.variant in msgstr.replace(self.settled, "")


# One rule a line: the variant, the settled term, and what the msgid must (not) say for it to apply.
SETTLED = [
    Term("연쇄 법칙", "체인 룰"),
    Term("합성곱 층", "합성곱층"),
    Term("잡음", "노이즈"),
    Term("파이썬", "Python"),
    Term("예제", "예시"),
    Term("누적 통계", "이동 통계"),  # running mean, running variance = 이동 평균, 이동 분산
    Term("단위", "유닛", says=("unit", "units")),  # 단위 stays for a unit of measure: 픽셀 단위
    Term("경계", "가장자리", says=("edge", "edges"), unless=("boundary", "boundaries", "border", "borders")),
    Term("역전파", "오차역전파", says=("backpropagation", "backprop"), unless=("backward",)),
    Term("아닌 값", "{text!r}은(는) 정수가 아닙니다"),  # error messages: not "정수가 아닌 값 {text!r}"
]


def unsettled(term: Term, entries) -> list[str]:
    """The msgids of the catalog entries whose msgstr uses the term's variant where it applies."""
    wrong = []
    for m in entries:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if any(term.applies(i) for i in ids) and any(term.found_in(s) for s in strings if s):
            wrong.append(ids[0])
    return wrong


@pytest.mark.parametrize("term", SETTLED, ids=[t.variant for t in SETTLED])
def test_the_korean_catalog_uses_the_settled_terms(term):
    wrong = unsettled(term, po("ko"))
    assert not wrong, f"write {term.settled!r}, not {term.variant!r}, in the msgstr of:\n" + "\n".join(
        map(repr, wrong)
    )


def test_every_settled_term_rule_catches_its_variant():
    """Each rule fires on a made-up entry with its variant, and not on the settled term or where
    the msgid says what exempts it, so the test above cannot pass by matching nothing."""
    for term in SETTLED:
        msgid = " ".join(("a", *term.says[:1], "b"))
        assert unsettled(term, [Message(msgid, f"가 {term.variant} 나")]) == [msgid], term
        assert unsettled(term, [Message(msgid, f"가 {term.settled} 나")]) == [], term
        assert unsettled(term, [Message((msgid, msgid + "s"), ("", f"{term.variant}"))]) == [msgid], term
        if term.says:
            assert unsettled(term, [Message("a b", term.variant)]) == [], term
        for word in term.unless:
            assert unsettled(term, [Message(f"{msgid} {word.upper()}", term.variant)]) == [], term
    rule = {term.variant: term for term in SETTLED}
    assert unsettled(rule["단위"], [Message("Units, unitary", "단위")]) == ["Units, unitary"]
    assert unsettled(rule["단위"], [Message("community", "단위")]) == []  # a whole word only
    assert unsettled(rule["역전파"], [Message("backprop", "오차역전파와 역전파")]) == ["backprop"]


def test_extraction_sees_every_literal_and_only_those():
    """Babel reads every _("...") the code has (not one inside an f-string, which it cannot
    see) and nothing else (a literal inside _(d["key"]) would be taken as a message)."""
    literal, formatted = set(), []
    for path in sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for arg in _literal_calls(tree):
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                formatted.append(f"{path.relative_to(ROOT)}:{arg.lineno}")
    assert not formatted, (
        "_() of an f-string can never be in a catalog; use _('... {x}').format(x=...):\n"
        + ("\n".join(formatted))
    )
    code = set(extracted())
    assert code - literal == set(), f"extracted but not a message: {sorted(code - literal)}"
    assert literal - code == set(), (
        f"wrapped but not extracted (inside an f-string?): {sorted(literal - code)}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_app_uses_the_catalog_file_itself(lang, tmp_path, monkeypatch):
    """The .po is compiled in memory when it is read; an edited file is used at the next run."""
    entries = [m for m in po(lang) if m.id and not isinstance(m.id, tuple)]
    for m in entries:
        assert catalog(lang).gettext(m.id) == m.string
    plural = next(m for m in po(lang) if isinstance(m.id, tuple))
    assert catalog(lang).ngettext(*plural.id, 5) == plural.string[0]

    edited = po(lang)
    first = next(m for m in edited if m.id and not isinstance(m.id, tuple))
    first.string = "편집됨"
    copy = tmp_path / lang / "LC_MESSAGES" / "messages.po"
    copy.parent.mkdir(parents=True)
    with copy.open("wb") as fh:
        write_po(fh, edited)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert catalog(lang).gettext(first.id) == "편집됨"


def test_language_is_per_thread_and_english_by_default():
    import threading

    assert language() == "en" and _("Show code") == "Show code"
    seen = {}

    def korean():
        set_language("ko")
        seen["ko"] = (_("Show code"), ngettext("{n} point wrong", "{n} points wrong", 2))

    t = threading.Thread(target=korean)
    t.start()
    t.join()
    assert seen["ko"] == ("코드 보기", "틀린 점 {n}개")
    assert language() == "en" and _("Show code") == "Show code"  # this thread is untouched
    assert set_language("xx") == "en"  # an unknown code gives English
    assert _("") == ""  # not the catalog's header


def _calls(node: ast.AST, test) -> bool:
    return any(isinstance(n, ast.Call) and test(n.func) for n in ast.walk(node))


def _is_setup(func: ast.AST) -> bool:
    return (
        isinstance(func, ast.Attribute) and func.attr == "setup" and getattr(func.value, "id", "") == "state"
    )


def _is_text(func: ast.AST) -> bool:
    return isinstance(func, ast.Name) and func.id in ("_", "ngettext")


@pytest.mark.parametrize("page", ["dashboard.py", *sorted(p.name for p in (ROOT / "pages").glob("*.py"))])
def test_every_page_sets_the_language_before_its_first_text(page):
    """`state.setup()` (the run's language) comes before the first _() of the page, its title's."""
    path = ROOT / page if page == "dashboard.py" else ROOT / "pages" / page
    body = ast.parse(path.read_text()).body
    setup = next((i for i, stmt in enumerate(body) if _calls(stmt, _is_setup)), None)
    assert setup is not None, f"{page} never calls state.setup()"
    text = next((i for i, stmt in enumerate(body) if _calls(stmt, _is_text)), len(body))
    assert setup < text, f"{page}: move `state.setup()` above line {body[text].lineno}, its first text"
