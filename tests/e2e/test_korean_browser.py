"""The lab in Korean in a real browser: a browser set to Korean opens the home page in Korean, a
Korean share link opens a lab page in Korean with its experiment, the picker is in the sidebar
on every page and switches the language in place; no traceback anywhere. Screenshots of both
pages are kept (SCREENSHOT_DIR, default screenshots/) to look at: their Hangul needs a CJK font
on the machine that draws them (Debian: fonts-noto-cjk, installed by .ci/run)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots"))
PICKER = "[data-testid='stSidebar'] [data-testid='stRadio']"


@pytest.fixture
def korean_browser(browser):
    """A browser whose language is Korean (navigator.language = 'ko-KR'), with a tall window."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 3000}, locale="ko-KR")
    yield ctx.new_page()
    ctx.close()


def _settled(page) -> None:
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_korean_browser_gets_the_home_page_in_korean(server, korean_browser):
    page = korean_browser
    page.goto(server)  # no lang in the link: the browser's language decides
    page.get_by_role("heading", name="딥러닝 실습실").wait_for(timeout=60_000)
    page.get_by_role("link", name="MLP 실습에서 열기").nth(5).wait_for(timeout=60_000)  # the run's end
    _settled(page)
    assert page.title() == "딥러닝 실습실"
    assert page.get_by_text("실험으로 시작하기").is_visible()
    assert page.get_by_role("link", name="MLP 실습에서 열기").count() == 6
    picker = page.locator(PICKER)
    assert picker.is_visible() and "언어 · Language" in picker.inner_text()
    assert page.get_by_role("radio", name="한국어").is_checked()
    assert _query(page)["lang"] == ["ko"]  # a link copied from here opens in Korean
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "e2e_home_ko.png"))


def test_a_korean_share_link_opens_the_lab_page_in_korean_and_the_picker_switches(server, page):
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.goto(f"{server}/Activations?activation=tanh&x=3&compare=relu&lang=ko")  # an English browser
    page.get_by_role("link", name="linear, 은닉층 10개로 학습하기").wait_for(timeout=60_000)  # the page's end
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
    _settled(page)
    assert page.title() == "활성화 함수"
    assert page.get_by_text("tanh: 함수와 그 미분").count() == 1
    alerts = " ".join(page.locator("[data-testid='stAlert']").all_inner_texts())
    assert "포화 상태" in alerts  # x = 3: tanh is saturated, said in Korean
    charts = " ".join(page.locator(".js-plotly-plot").all_inner_texts())
    assert "남은 기울기의 비율" in charts and "x (활성화 전 값)" in charts  # axis titles drawn in Korean
    query = _query(page)
    assert query["lang"] == ["ko"] and query["activation"] == ["tanh"] and query["x"] == ["3.0"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "e2e_activations_ko.png"))

    page.locator(PICKER).get_by_text("English").click()
    page.get_by_text("tanh: the function and its slope").wait_for(timeout=60_000)
    _settled(page)
    query = _query(page)
    assert query["lang"] == ["en"] and query["activation"] == ["tanh"] and query["x"] == ["3.0"]
    assert page.get_by_role("radio", name="English").is_checked()


PAGES = ["", "History", "Neuron", "Activations", "MLP_Lab", "Image_Basics", "Tensors_Graphs", "Convolution",
         "CNN_Lab", "Compare", "Glossary"]  # fmt: skip


@pytest.mark.parametrize("slug", PAGES)
def test_every_page_opens_in_korean_without_an_exception(server, page, slug):
    page.set_viewport_size({"width": 1400, "height": 5000})
    page.goto(f"{server}/{slug}?lang=ko")
    _settled(page)
    links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']")
    links.nth(9).wait_for(timeout=60_000)  # the sidebar's page list, in Korean
    assert "실행 비교" in " ".join(links.all_inner_texts())
    title = page.locator("h1").first.inner_text()
    assert any("\uac00" <= c <= "\ud7a3" for c in title), title
    page.wait_for_timeout(1500)  # charts and tables draw after the script settles
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e_ko_{slug or 'home'}.png"))


def test_a_korean_mlp_link_trains_the_same_experiment_in_korean(server, page):
    page.set_viewport_size({"width": 1400, "height": 4000})
    page.goto(f"{server}/MLP_Lab?depth=6&activation=sigmoid&epochs=5&seed=3&lang=ko")
    _settled(page)
    page.get_by_role("button", name="학습", exact=True).click()
    page.get_by_text("5 에포크 완료").first.wait_for(timeout=120_000)
    _settled(page)
    query = _query(page)
    assert query["lang"] == ["ko"] and query["depth"] == ["6"] and query["activation"] == ["sigmoid"]
    assert query["seed"] == ["3"]
    charts = " ".join(page.locator(".js-plotly-plot").all_inner_texts())
    assert "에포크" in charts  # the axes are Korean too
