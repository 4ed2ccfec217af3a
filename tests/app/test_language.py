"""The language of a visit: a share link's lang=ko opens the same experiment in Korean, the choice
holds across pages for the session, the picker switches it without losing the experiment, and
`lang` is never taken for a config field nor dropped when a page rewrites its URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from core.base.i18n import _, set_language
from core.contract.config import MLPConfig, from_params, to_params
from core.lessons.activation_lessons import ActivationsView
from core.lessons.history import BY_KEY
from tests.app.leftover_english import has_hangul
from ui.common.lang import CHOICE, PICKER, browser_language
from ui.lessons.history_view import KEYS

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")
ACT = "pages/2_Activations.py"
VIEW = ActivationsView(activation="tanh", compare="relu", x=-2.5, z=0.5, depth=7)


@pytest.fixture(autouse=True)
def english_test_thread():
    yield
    set_language("en")  # a test that switched its own thread to Korean leaves it as it found it


def app(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=120)
    if page:
        at.switch_page(page)
    at.query_params.update(params)
    return at.run()


def go(at: AppTest, page: str) -> AppTest:
    """Another page from the sidebar, as a browser does it: the old page's URL parameters go."""
    for key in list(at.query_params.keys()):
        del at.query_params[key]
    return at.switch_page(page).run()


def view_of(at: AppTest) -> ActivationsView:
    return ActivationsView(**{n: at.session_state[f"act.{n}"] for n in ActivationsView.__dataclass_fields__})


def test_a_korean_share_link_opens_the_same_experiment_in_korean():
    set_language("ko")  # AppTest formats widget options in this thread too
    at = app(ACT, **to_params(VIEW), lang="ko")
    assert not at.exception
    assert at.title[0].value == "활성화 함수"
    assert view_of(at) == VIEW
    assert not at.warning or all("잘못된 값" not in w.value for w in at.warning)  # lang is no bad value
    assert at.selectbox(key="act.activation").value == "tanh"
    assert "tanh: 함수와 그 미분" in [s.value for s in at.subheader]
    # The page rewrote its URL with the whole config and kept the language beside it.
    assert dict(at.query_params) == {**to_params(VIEW), "lang": "ko"}


def test_without_lang_a_link_opens_in_english_and_says_so_in_the_url():
    at = app(ACT, **to_params(VIEW))
    assert not at.exception and at.title[0].value == "Activations"
    assert view_of(at) == VIEW
    assert at.query_params["lang"] == "en" and at.session_state[CHOICE] == "en"


def test_an_unknown_language_gives_english_and_the_url_is_corrected():
    at = app(ACT, lang="fr", depth="4")
    assert not at.exception and at.title[0].value == "Activations"
    assert at.query_params["lang"] == "en" and at.query_params["depth"] == "4"
    assert not [w for w in at.warning if "bad value" in w.value]


def test_the_choice_holds_across_pages_for_the_session():
    set_language("ko")
    at = app(ACT, lang="ko")
    for page, title in [
        ("pages/1_Neuron.py", "뉴런 하나에서 오차역전파(backpropagation)까지"),
        ("pages/0_History.py", "스위치에서 딥러닝까지: 짧은 역사"),
        ("dashboard.py", "딥러닝 실습실"),
        (ACT, "활성화 함수"),
    ]:
        go(at, page)
        assert not at.exception, page
        assert at.title[0].value == title
        assert at.query_params["lang"] == "ko", page  # the next link copied from here is Korean too
        assert at.sidebar.radio(key=PICKER).value == "ko"


def test_the_picker_switches_the_language_and_keeps_the_experiment():
    at = app(ACT, **to_params(VIEW))
    assert at.title[0].value == "Activations"
    picker = at.sidebar.radio(key=PICKER)
    assert picker.options == ["한국어", "English"]  # each language in its own name
    picker.set_value("ko").run()  # (the test's thread formats the English page's options: English)
    set_language("ko")
    assert not at.exception and at.title[0].value == "활성화 함수"
    assert view_of(at) == VIEW  # the widgets kept their values through the new labels
    assert dict(at.query_params) == {**to_params(VIEW), "lang": "ko"}
    go(at, "pages/1_Neuron.py")
    assert at.title[0].value.startswith("뉴런 하나")
    at.sidebar.radio(key=PICKER).set_value("en").run()
    set_language("en")
    assert at.title[0].value == "From one neuron to backpropagation" and at.query_params["lang"] == "en"


def test_history_keeps_both_its_step_and_the_language_in_the_url():
    set_language("ko")
    at = app("pages/0_History.py", step="1986", lang="ko")
    assert at.subheader[0].value.startswith("1986: 오차역전파")
    at.button(key="history.next").click().run()
    after = KEYS[KEYS.index("1986") + 1]
    assert at.query_params["lang"] == "ko" and at.query_params["step"] == after
    assert at.subheader[0].value == f"{_(BY_KEY[after].when)}: {_(BY_KEY[after].title)}"
    assert has_hangul(at.subheader[0].value)


def test_the_mlp_share_link_carries_the_language():
    set_language("ko")
    at = app("pages/3_MLP_Lab.py", depth="7", activation="sigmoid", lang="ko")
    assert not at.exception
    (link,) = [c.value for c in at.code if "MLP_Lab?" in c.value]
    query = dict(parse_qsl(urlsplit(link).query))
    assert query.pop("lang") == "ko"
    cfg, notices = from_params(MLPConfig, query)
    assert notices == [] and cfg == MLPConfig(depth=7, activation="sigmoid")


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("ko-KR", "ko"),
        ("ko", "ko"),
        ("KO_kr", "ko"),
        ("en-US", "en"),
        ("fr-FR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_the_browser_language_decides_only_when_the_lab_speaks_it(locale, lang):
    assert browser_language(locale) == lang
