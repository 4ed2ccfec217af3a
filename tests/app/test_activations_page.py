"""Activations page in AppTest: launch, URL restore, bad links, the x read-off against autograd,
the depth chart against an autograd chain, and the MLP-lab links.

The page is opened through the entrypoint (dashboard.py + switch_page), as a browser would reach
it: st.page_link resolves "pages/3_MLP_Lab.py" relative to the entrypoint, so a bare
AppTest.from_file("pages/2_Activations.py") could not build the links.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from core.contract.activations import ACTIVATIONS, SATURATION
from core.contract.config import MLPConfig, from_params, to_params
from core.lessons.activation_lessons import ActivationsView

ROOT = Path(__file__).resolve().parents[2]
HOME, PAGE = str(ROOT / "dashboard.py"), "pages/2_Activations.py"


def app(**params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)
    at.switch_page(PAGE)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def autograd(name: str, x: float) -> tuple[float, float]:
    """(f(x), f'(x)) with the slope from autograd, not from the registry's hand-written df."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = ACTIVATIONS[name].f(t)
    (g,) = torch.autograd.grad(y, t)
    return float(y.detach()), float(g)


def metrics(at: AppTest) -> dict[str, float]:
    return {m.label: float(m.value) for m in at.metric}


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def array(v) -> np.ndarray:
    """A plotly array from the figure JSON: a plain list, or {'dtype', 'bdata'} base64."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


def test_launches_with_defaults_and_url_holds_the_view():
    at = app()
    assert not at.exception
    assert at.title[0].value == "Activations"
    view = ActivationsView()
    assert at.selectbox(key="act.activation").value == view.activation
    assert at.slider(key="act.x").value == view.x
    assert {k: at.query_params[k] for k in to_params(view)} == to_params(view)
    assert len(charts(at)) == 2  # f / f', and the depth chart
    code = " ".join(c.value for c in at.code)  # the "Show code" expanders hold the real functions
    assert "def slow_regions" in code and "def depth_products" in code and "def _sigmoid_df" in code


def test_url_restores_every_control_and_the_read_off():
    view = ActivationsView(activation="tanh", compare="relu", x=1.5, z=-0.5, depth=7)
    at = app(activation="tanh", x="1.5", compare="relu", z="-0.5", depth="7")
    assert not at.exception
    assert not [w for w in at.warning if "bad value" in w.value]
    assert (
        ActivationsView(**{n: at.session_state[f"act.{n}"] for n in ActivationsView.__dataclass_fields__})
        == view
    )
    assert at.slider(key="act.depth").value == 7 and at.selectbox(key="act.compare").value == "relu"
    fx, dfx = autograd("tanh", 1.5)
    got = metrics(at)
    assert got["f(1.5)"] == pytest.approx(fx, rel=1e-3) and got["f'(1.5)"] == pytest.approx(dfx, rel=1e-3)
    names = {t.get("name") for t in charts(at)[0]["data"]}
    assert {"tanh", "relu"} <= names  # the comparison is drawn too


@pytest.mark.parametrize(
    ("params", "field", "bad"),
    [
        ({"activation": "evil"}, "activation", "evil"),
        ({"x": "99", "activation": "relu"}, "x", "99"),
        ({"depth": "abc"}, "depth", "abc"),
    ],
)
def test_bad_link_gives_a_notice_not_an_exception(params, field, bad):
    at = app(**params)
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert field in notices and bad in notices and "default" in notices
    assert at.session_state[f"act.{field}"] == getattr(ActivationsView(), field)
    assert at.query_params[field] == to_params(ActivationsView())[field]
    if params.get("activation") == "relu":
        assert at.session_state["act.activation"] == "relu"  # the good value in the link is kept
    assert len(charts(at)) == 2


def test_moving_x_prints_what_autograd_gives():
    at = app(activation="sigmoid")
    for x in (-4.2, 0.0, 2.75):
        at.slider(key="act.x").set_value(x).run()
        assert not at.exception
        fx, dfx = autograd("sigmoid", x)
        got = metrics(at)
        assert got[f"f({x:g})"] == pytest.approx(fx, rel=1e-3)
        assert got[f"f'({x:g})"] == pytest.approx(dfx, rel=1e-3)
        assert float(at.query_params["x"]) == x
        # Beyond the 10% line the page says the unit is saturated; inside it, it does not.
        saturated = abs(dfx) < SATURATION * ACTIVATIONS["sigmoid"].max_grad
        assert any("saturated" in w.value for w in at.warning) == saturated


def test_shading_and_depth_chart_follow_autograd():
    at = app(activation="sigmoid", z="0.5", depth="12")
    fn, depth = charts(at)
    # The shaded rectangles end where autograd's slope crosses 10% of 1/4: sigma = (1 + sqrt(0.9)) / 2.
    edge = math.log((1 + math.sqrt(0.9)) / (1 - math.sqrt(0.9)))
    rects = {(round(s["x0"], 6), round(s["x1"], 6)) for s in fn["layout"]["shapes"] if s["type"] == "rect"}
    assert rects == {(-6.0, round(-edge, 6)), (round(edge, 6), 6.0)}
    # The depth chart's line is f'(z)^L for L = 1..30, each factor from autograd.
    _, slope = autograd("sigmoid", 0.5)
    line = next(t for t in depth["data"] if t.get("name", "").startswith("|sigmoid"))
    np.testing.assert_allclose(array(line["x"]), np.arange(1, 31))
    np.testing.assert_allclose(array(line["y"]), slope ** np.arange(1, 31), rtol=1e-9)
    reading = " ".join(e.value for e in at.error)
    assert f"After 12 sigmoid layers at z = 0.5 the gradient is {slope:.4g}^12 = {slope**12:.2g}" in reading


def test_mlp_lab_links_train_each_activation_at_depth_10():
    at = app()
    links = [pl for pl in at.main.get("page_link") if pl.proto.page.endswith("MLP_Lab")]
    trained = []
    for link in links:
        query = dict(pair.split("=", 1) for pair in link.proto.query_string.split("&"))
        cfg, notices = from_params(MLPConfig, query)
        assert notices == [] and set(query) == set(to_params(MLPConfig()))
        assert cfg == MLPConfig(depth=10, activation=cfg.activation)
        assert cfg.activation in link.proto.label
        trained.append(cfg.activation)
    assert sorted(trained) == sorted(ACTIVATIONS)


def text_of(at: AppTest) -> str:
    elements = [*at.markdown, *at.caption, *at.warning, *at.info, *at.error, *at.success]
    return " ".join(e.value for e in elements)


def test_leaky_relu_is_leaky_never_saturated():
    at = app(activation="leaky_relu", x="-3")
    assert not at.exception
    _, slope = autograd("leaky_relu", -3.0)
    assert slope == pytest.approx(0.01)
    assert any(f"f' = {slope:g}" in i.value and "never zero" in i.value for i in at.info)
    assert "saturated" not in " ".join(w.value for w in [*at.warning, *at.error])
    fn = charts(at)[0]
    labels = [a["text"] for a in fn["layout"]["annotations"]]
    assert "leaky: f' = 0.01" in labels and "saturated" not in labels


def test_gelu_dip_is_shown_as_a_turning_point():
    at = app(activation="gelu", x="-0.75")
    assert not at.exception
    fn = charts(at)[0]
    labels = [a["text"] for a in fn["layout"]["annotations"]]
    zero = next(lab for lab in labels if lab.startswith("f' = 0 at x = "))
    x0 = float(zero.split("= ")[-1])
    assert abs(autograd("gelu", x0)[1]) < 2e-3  # the label's x, to 3 digits, is where autograd's slope is 0
    _, slope = autograd("gelu", -0.75)
    assert any(f"f' = {slope:.3g}" in w.value and "single point" in w.value for w in at.warning)
    assert "a turning point, not a saturated region" in text_of(at)


def test_the_numbers_in_the_lesson_are_computed():
    at = app(activation="sigmoid")
    text = text_of(at)
    # "Sigmoid's best slope, 0.25, ... through ten it keeps 0.25^10 = 9.5e-07, less than a millionth."
    z = torch.linspace(-10, 10, 200_001, dtype=torch.float64, requires_grad=True)
    (slopes,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    best = float(slopes.max())
    assert best == pytest.approx(0.25, abs=1e-12) and best**10 < 1e-6
    assert f"{best:g}^10 = {best**10:.2g}, less than a millionth" in text
    assert "no gradient at all for that input" in text and "never reaching it" in text
    assert "passes back nothing" not in text and "never recover" not in text
