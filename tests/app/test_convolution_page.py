"""Convolution page in AppTest: launch, URL restore, tampered links, the formula following the
controls, a typed kernel (good, bad, code-like), and every number checked against torch.

Expected values come from torch.nn.functional (conv2d, avg_pool2d) on inputs the test builds
itself (the tiny patterns written out here), never from the page's own core functions.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from core.contract.config import to_params
from core.imaging.conv_lessons import ConvView

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "6_Convolution.py")
EDGE = np.zeros((8, 8))
EDGE[:, 4:] = 9  # the "edge" pattern: dark left half, bright right half
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)


def app(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def array(v) -> np.ndarray:
    """A plotly array from the figure JSON: a list (of lists), or {'dtype', 'bdata', 'shape'}."""
    if isinstance(v, dict):
        flat = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat
    return np.asarray(v, dtype=float)


def chart(at: AppTest, title: str) -> dict:
    """The figure whose title starts with `title`."""
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        if (spec["layout"].get("title") or {}).get("text", "").startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def torch_conv(x: np.ndarray, w: np.ndarray, stride=1, padding=0, mode="zeros", dilation=1) -> np.ndarray:
    t = torch.from_numpy(x)[None, None]
    if padding and mode != "zeros":
        t, padding = F.pad(t, (padding,) * 4, mode=mode), 0
    return F.conv2d(t, torch.from_numpy(w)[None, None], stride=stride, padding=padding, dilation=dilation)[
        0, 0
    ].numpy()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_launches_with_defaults_and_the_url_holds_the_view():
    at = app()
    assert not at.exception
    assert at.title[0].value == "Convolution"
    assert {k: at.query_params[k] for k in to_params(ConvView())} == to_params(ConvView())
    assert len(at.get("plotly_chart")) == 12
    # The default picture, its feature map and the chosen cell agree with torch's conv2d.
    fmap = array(chart(at, "Feature map")["data"][0]["z"])
    picture = array(chart(at, "Input")["data"][0]["z"])
    np.testing.assert_allclose(fmap, torch_conv(picture.astype(np.float64), SOBEL_X), atol=1e-9)
    got = metrics(at)
    assert float(got["Sum of the products"]) == pytest.approx(fmap[3, 3])
    assert float(got["Feature map at (3, 3)"]) == pytest.approx(fmap[3, 3])
    code = " ".join(c.value for c in at.code)
    for fn in ("def conv2d", "def cell_walkthrough", "def conv2d_multi", "def layer_maps", "def pool2d"):
        assert fn in code


def test_url_restores_the_view_and_every_number_matches_torch():
    params = dict(
        source="edge", kernel="sobel_x_3x3", stride="1", padding="1", pad_mode="reflect", dilation="2",
        row="2", col="1", pool="avg", pool_size="2", pool_stride="1", pool_row="1", pool_col="2",
    )  # fmt: skip
    at = app(**params)
    assert not at.exception and not at.warning
    view = ConvView(**{n: at.session_state[f"conv.{n}"] for n in ConvView.__dataclass_fields__})
    assert to_params(view) == {**to_params(ConvView()), **params}
    expected = torch_conv(EDGE, SOBEL_X, padding=1, mode="reflect", dilation=2)
    assert expected.shape == (6, 6)
    np.testing.assert_allclose(array(chart(at, "Feature map 6x6")["data"][0]["z"]), expected)
    assert "floor((8 + 2*1 - 2*(3 - 1) - 1) / 1) + 1 = floor(5 / 1) + 1 = 6" in text(at)
    assert float(metrics(at)["Feature map at (2, 1)"]) == pytest.approx(expected[2, 1])
    assert float(metrics(at)["Sum of the products"]) == pytest.approx(expected[2, 1])
    pooled = F.avg_pool2d(torch.from_numpy(expected)[None, None], 2, 1)[0, 0].numpy()
    sentence = next(m.value for m in at.markdown if m.value.startswith("Pooled cell (1, 2)"))
    assert "rows 1-2, columns 2-3" in sentence and "keeps their mean" in sentence
    assert sentence.endswith(f"/ 4 = {pooled[1, 2]:.6g}.")


@pytest.mark.parametrize(
    ("params", "field", "bad"),
    [
        ({"kernel": "evil"}, "kernel", "evil"),
        ({"stride": "99"}, "stride", "99"),
        ({"weights": "__import__('os').system('touch /tmp/x')"}, "weights", "is not a number"),
        ({"weights": "1 2\n3 4"}, "weights", "odd size"),
        ({"pad_mode": "wrap", "source": "dot"}, "pad_mode", "wrap"),
    ],
)
def test_a_tampered_link_gives_a_notice_not_an_exception(params, field, bad):
    at = app(**params)
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert field in notices and bad in notices and "default" in notices
    assert at.session_state[f"conv.{field}"] == getattr(ConvView(), field)
    assert at.query_params[field] == to_params(ConvView())[field]
    if "source" in params:
        assert at.session_state["conv.source"] == "dot"  # the good value in the link is kept
    assert len(at.get("plotly_chart")) == 12


def test_changing_kernel_and_stride_updates_the_formula_and_the_url():
    at = app(source="edge")
    assert "floor((8 + 2*0 - 1*(3 - 1) - 1) / 1) + 1 = floor(5 / 1) + 1 = 6" in text(at)
    at.selectbox(key="conv.kernel").set_value("box_blur_5x5").run()
    assert "floor((8 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = floor(3 / 1) + 1 = 4" in text(at)
    at.slider(key="conv.stride").set_value(2).run()
    assert not at.exception
    assert "floor((8 + 2*0 - 1*(5 - 1) - 1) / 2) + 1 = floor(3 / 2) + 1 = 2" in text(at)
    assert at.query_params["kernel"] == "box_blur_5x5" and at.query_params["stride"] == "2"
    expected = torch_conv(EDGE, np.ones((5, 5)) / 25, stride=2)
    np.testing.assert_allclose(array(chart(at, "Feature map 2x2")["data"][0]["z"]), expected)
    # The chosen cell (3, 3) of the link no longer exists: it moves to the last one, (1, 1).
    assert float(metrics(at)["Feature map at (1, 1)"]) == pytest.approx(expected[1, 1])
    at.toggle(key="conv.same").set_value(True).run()
    assert "Same padding: p = d(k - 1) / 2 = 1 × (5 - 1) / 2 = 2" in text(at)
    assert "floor((8 + 2*2 - 1*(5 - 1) - 1) / 2) + 1 = floor(7 / 2) + 1 = 4" in text(at)


def test_settings_with_no_output_explain_why():
    at = app(source="edge", kernel="sobel_x_5x5", dilation="3")  # reads 13 pixels of an 8-pixel image
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "No feature map" in errors and "13" in errors and "only n + 2p = 8 + 2*0 = 8" in errors
    assert "less than 1: no output" in text(at)
    assert any("Pooling needs a feature map" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 4  # kernel, RGB input, filters, colour maps


def test_typed_kernel_good_bad_and_code_like():
    at = app(source="edge", row="0", col="0")
    at.toggle(key="conv._own").set_value(True).run()
    assert at.text_area(key="conv._typed").value == "-1 0 1\n-2 0 2\n-1 0 1"  # starts from the preset
    at.text_area(key="conv._typed").set_value("0 0 0\n0 1/2 0\n0 0 0").run()
    assert not at.error and at.query_params["weights"] == "0 0 0; 0 1/2 0; 0 0 0"
    expected = torch_conv(EDGE, np.array([[0, 0, 0], [0, 0.5, 0], [0, 0, 0]]))
    np.testing.assert_allclose(array(chart(at, "Feature map")["data"][0]["z"]), expected)
    for bad, reason in (
        ("1 2 3\n4 x 6\n7 8 9", "row 2, column 2: 'x' is not a number"),
        ("1 2 3\n4 5\n7 8 9", "row 2 has 2 numbers but row 1 has 3"),
        ("1 2\n3 4", "use an odd size"),
        ("__import__('os').system('touch /tmp/conv_pwned')", "is not a number"),
    ):
        at.text_area(key="conv._typed").set_value(bad).run()
        assert not at.exception
        error = " ".join(e.value for e in at.error)
        assert reason in error and "Still using your last valid kernel" in error
        # The last valid kernel stays in use and in the link.
        assert at.query_params["weights"] == "0 0 0; 0 1/2 0; 0 0 0"
        np.testing.assert_allclose(array(chart(at, "Feature map")["data"][0]["z"]), expected)
    assert not Path("/tmp/conv_pwned").exists()
    at.toggle(key="conv._own").set_value(False).run()
    assert at.query_params["weights"] == "" and not at.error


def test_a_link_with_typed_weights_opens_the_editor():
    at = app(source="dot", weights="1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9", padding="1")
    assert not at.exception and not at.warning
    assert at.toggle(key="conv._own").value is True
    assert at.text_area(key="conv._typed").value == "1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9"
    dot = np.zeros((9, 9))
    dot[4, 4] = 1
    np.testing.assert_allclose(
        array(chart(at, "Feature map 9x9")["data"][0]["z"]),
        torch_conv(dot, np.full((3, 3), 1 / 9), padding=1),
    )


def test_channels_parameter_count_matches_an_nn_conv2d():
    at = app(filters="8", bank_size="5", bank="random")
    assert not at.exception
    layer = torch.nn.Conv2d(3, 8, 5)
    n = sum(p.numel() for p in layer.parameters())
    assert f"8 × 3 × 5 × 5 + 8 = {n:,}" in text(at)
    maps = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith("conv.maps"))
    assert len(maps["data"]) == 8


def test_the_page_figure_dicts_are_figures_plotly_accepts():
    """The conv charts are dicts the page sends as built (ui/common/plot.py): each must pass plotly's
    own validation, which the page no longer runs, with its data intact."""
    import plotly.graph_objects as go

    from ui.imaging import conv_charts as charts

    img = np.arange(36, dtype=np.float64).reshape(6, 6)
    window = np.full((3, 3), np.nan)
    window[1, 1] = 5.0  # a dilated window: skipped taps are NaN, printed blank
    figures = {
        "input": charts.input_figure(np.pad(img, 1), 1, np.array([0, 1, 2]), np.array([0, 1, 2]), "in"),
        "map": charts.map_figure(img, (1, 2), "map", window=(np.array([0, 1]), np.array([0, 1]))),
        "grid": charts.grid_figure(window, "grid", mark=~np.isnan(window), like=img),
        "maps": charts.maps_figure(np.stack([img, -img]), ["a", "b"]),
        "filters": charts.filters_figure(np.ones((2, 3, 3, 3)), ["a", "b"]),
    }
    for name, spec in figures.items():
        assert isinstance(spec, dict), name
        fig = go.Figure(spec)  # raises on any property plotly does not know
        assert fig.data, name
    np.testing.assert_array_equal(np.asarray(go.Figure(figures["map"]).data[0].z), img)
    grid = go.Figure(figures["grid"])
    assert len(grid.layout.shapes) == 1  # the one marked cell
