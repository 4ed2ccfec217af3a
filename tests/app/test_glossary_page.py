"""The Glossary page: every term of the course in Korean and English, one line each, a link to
the page that shows it; the search finds a term by either name."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.lessons.glossary import TERMS
from tests.app.leftover_english import has_hangul

ROOT = Path(__file__).resolve().parents[2]
HOME = str(ROOT / "dashboard.py")
COURSE = (
    "인공신경망|퍼셉트론|순전파|오차역전파|체인 룰|기울기 소실|과적합|합성곱|채널|"
    "스트라이드|특성 맵|활성화 맵|패딩|풀링|텐서|즉시 실행|픽셀|비트맵|해상도"
).split("|")


def page(**params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.switch_page("pages/9_Glossary.py")
    at.query_params.update(params)
    return at.run()


def test_every_term_of_the_course_is_there_in_both_languages_with_a_page_that_exists():
    kos = {t.ko for t in TERMS}
    assert set(COURSE) <= {k.split("(")[0] for k in kos} | kos  # the terms, each one
    assert len({t.en for t in TERMS}) == len(TERMS) == len(kos)  # no term twice
    for t in TERMS:
        assert has_hangul(t.ko) and t.en.isascii() and t.line
        assert (ROOT / t.page).is_file(), t.page


def test_the_page_shows_every_term_and_links_and_the_search_narrows_it():
    at = page()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for t in TERMS:
        assert t.ko in text and t.en in text
    assert "(/MLP_Lab?lang=en)" in text and "(/Convolution?lang=en)" in text
    at.text_input(key="gl.find").set_value("stride").run()
    text = " ".join(m.value for m in at.markdown)
    assert "스트라이드" in text and "과적합" not in text
    at.text_input(key="gl.find").set_value("과적합").run()
    assert "overfitting" in " ".join(m.value for m in at.markdown)


def test_in_korean_the_lines_and_links_follow_the_language():
    at = page(lang="ko")
    assert not at.exception and at.title[0].value == "용어집"
    text = " ".join(m.value for m in at.markdown)
    assert "(/MLP_Lab?lang=ko)" in text and "[MLP 실습]" in text
