"""Pages rendered in Korean (lang=ko) by AppTest leave nothing in English.

ENFORCED lists the pages whose every string is wrapped and translated, each with the states that
bring out its texts (a link's query parameters, then widget actions): every step of History, the
Activations page for every kind of slow region and depth verdict, the Neuron page with XOR's
failure and each loss. For every state the page runs without an exception, its title is Korean,
and tests/app/leftover_english.py finds no English word outside code, maths, glosses and the
allowlist. A page joins ENFORCED once its strings are wrapped and in the Korean catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.base.i18n import set_language
from core.lessons.glossary import TERMS
from core.lessons.history import EVENTS
from tests.app.leftover_english import english_words, has_hangul, leftovers

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")
Action = Callable[[AppTest], object]


def _neuron_actions() -> list[tuple[dict[str, str], list[Action]]]:
    return [
        ({}, []),  # the defaults: the cloud converges, squared error, 0 SGD steps
        (
            {},
            [
                lambda at: at.selectbox(key="neuron.data").set_value("XOR"),
                lambda at: at.button(key="neuron.perc_run").click(),  # never converges: error + warning
                lambda at: at.selectbox(key="neuron.bp_loss").set_value("bce"),
                lambda at: at.button(key="neuron.bp_step").click(),  # 1 step so far
                lambda at: at.selectbox(key="neuron.step_hidden").set_value(4),
                lambda at: at.slider(key="neuron.depth_z").set_value(-1.0),  # ReLU's f' = 0 caption
            ],
        ),
    ]


def _act(activation: str, x: float, z: float, depth: int, compare: str = "none") -> dict[str, str]:
    return {"activation": activation, "x": str(x), "z": str(z), "depth": str(depth), "compare": compare}


ACTIVATIONS_STATES = [
    _act("sigmoid", 1.0, 0.0, 10, "relu"),  # above the 10% line; vanishing; a dashed comparison
    _act("sigmoid", -5.0, 2.0, 1),  # saturated; one layer (the singular)
    _act("relu", -1.0, -1.0, 10, "leaky_relu"),  # dead at x and through depth
    _act("leaky_relu", -2.0, 1.0, 10, "gelu"),  # leaky; steady
    _act("gelu", -0.75, -3.0, 20),  # a turning point; a negative slope flips the sign
    _act("gelu", 1.0, 1.4, 30),  # grows a little
    _act("tanh", 3.0, -0.5, 30, "softplus"),  # saturated on the right; shrinks
    _act("elu", -4.0, 0.5, 10, "linear"),
    _act("softplus", 2.0, 1.0, 5),  # only an upper bound of the slope
    _act("linear", 0.0, 0.0, 10),  # never slow
    {"activation": "evil", "x": "abc", "depth": "99"},  # a bad link: the notices
]


def _press(label: str) -> Action:
    """Click the button labelled `label` (in Korean: the page's own words)."""
    return lambda at: next(b for b in at.button if b.label == label).click()


TRAIN = _press("학습")
MLP_STATES = [
    ({}, []),  # the controls, the how-it-works tabs, the data preview
    ({"epochs": "3", "n_samples": "200", "activation": "sigmoid", "depth": "6"}, [TRAIN]),  # a kept run
    ({"epochs": "2", "n_samples": "120", "dropout": "0.3", "batch_norm": "true"}, [TRAIN]),
    (
        {"optimizer": "sgd", "lr": "1.0", "momentum": "0.99", "depth": "6", "width": "64", "epochs": "6"},
        [TRAIN],
    ),
    ({"depth": "abc", "activation": "evil", "lr": "1e9"}, []),  # a tampered link: notices
]
CNN_STATES = [
    ({}, []),
    ({"epochs": "1", "n_train": "100"}, [TRAIN]),  # filters, feature and activation maps, mistakes
    ({"conv_layers": "4", "channels": "8,16,32,64"}, []),  # an impossible architecture explained
    ({"conv_layers": "2", "channels": "8"}, []),  # channels that do not match
]
COMPARE_STATES = [
    ({}, [lambda at: at.toggle(key="ex.on").set_value(True)]),  # the shipped examples
    (
        {},
        [
            lambda at: at.slider(key="cmp.depth").set_value(3),
            lambda at: at.slider(key="cmp.epochs").set_value(2),
            _press("비교 실험 실행"),  # sigmoid vs ReLU, kept and chosen: side by side, manage
        ],
    ),
]
IMAGE_STATES = [({"section": s}, []) for s in ("pixels", "resolution", "bit_depth", "geometry", "enhance",
                                              "restore", "compress")]  # fmt: skip
CONV_STATES = [({}, []), ({"kernel": "gaussian_5x5", "stride": "2", "padding": "1", "dilation": "2"}, [])]

# page -> the states to render it in: (query parameters, actions after the first run)
ENFORCED: dict[str, list[tuple[dict[str, str], list[Action]]]] = {
    "dashboard.py": [({}, [])],
    "pages/0_History.py": [({"step": e.key}, []) for e in EVENTS] + [({"step": "2099"}, [])],
    "pages/1_Neuron.py": _neuron_actions(),
    "pages/2_Activations.py": [(params, []) for params in ACTIVATIONS_STATES],
    "pages/3_MLP_Lab.py": MLP_STATES,
    "pages/4_Image_Basics.py": IMAGE_STATES,
    "pages/5_Tensors_Graphs.py": [({}, [])],
    "pages/6_Convolution.py": CONV_STATES,
    "pages/7_CNN_Lab.py": CNN_STATES,
    "pages/8_Compare.py": COMPARE_STATES,
    "pages/9_Glossary.py": [
        ({}, []),
        ({}, [lambda at: at.text_input(key="gl.find").set_value("zzz")]),  # nothing matches
    ],
}
# English a page shows on purpose: the Glossary's English column (and its search example)
KEEP = {"pages/9_Glossary.py": frozenset(w for t in TERMS for w in re.findall(r"[A-Za-z-]+", t.en))}


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch):
    """The runs trained here go to a store of their own, not the user's."""
    monkeypatch.setenv("LAB_RUNS_DB", str(tmp_path / "runs.sqlite"))


@pytest.fixture
def korean():
    """AppTest calls the page's format_func in the test's own thread too: Korean there as well."""
    set_language("ko")
    yield
    set_language("en")


def _render(page: str, states) -> list[str]:
    at = AppTest.from_file(HOME, default_timeout=120)
    if page != "dashboard.py":
        at.switch_page(page)
    found = []
    for params, actions in states:
        for key in list(at.query_params.keys()):
            del at.query_params[key]
        at.query_params.update({**params, "lang": "ko"})
        at.run()
        for act in actions:
            act(at).run()
        where = f"{page} {params}"
        assert not at.exception, f"{where}: {at.exception[0].value}"
        assert at.title and has_hangul(at.title[0].value), f"{where}: the title is not Korean"
        assert at.query_params.get("lang") == "ko", where
        found += [f"{where}: {line}" for line in leftovers(at, keep=KEEP.get(page, frozenset()))]
    return found


@pytest.mark.parametrize("page", list(ENFORCED))
def test_page_in_korean_leaves_no_english(page, korean):
    found = _render(page, ENFORCED[page])
    assert not found, "English left on a Korean page:\n" + "\n".join(dict.fromkeys(found))


def test_the_checker_sees_english_and_lets_the_rest_through():
    assert english_words("Show code") == ["Show", "code"]
    assert english_words("depth 값이 너무 큽니다") == ["depth"]  # a field name, not as a key
    assert english_words("depth: 1부터 30까지의 범위를 벗어난 값 99") == []  # a config key
    assert english_words("activation: {x} 중 하나가 아닌 값 'evil'") == []  # and a value echoed back
    assert english_words("기울기 소실(vanishing gradient)이 일어납니다") == []  # a gloss
    assert english_words("**가중치**(weight)를 곱하고") == []
    assert english_words("(vanishing gradient) 앞에 한국어가 없으면") == ["vanishing", "gradient"]
    assert english_words(r"$z = w \cdot x + b$, `python -m core`, f'(x), w1_jk, max(0, z)") == []
    assert english_words("XOR, GPU, ReLU, sigmoid, PyTorch, dL/dp, %{y:.3g}<extra></extra>") == []
    assert english_words("none") == ["none"]  # shown as 없음: never a value that stays


def test_the_checker_reads_every_kind_of_element_it_must():
    """The same walk over the English page finds the English in each kind of element."""
    at = AppTest.from_file(HOME, default_timeout=120)
    at.switch_page("pages/2_Activations.py")
    at.query_params.update(_act("relu", -1.0, -1.0, 10, "sigmoid"))
    found = leftovers(at.run())
    for where, text in [
        ("title", "Activations"),
        ("selectbox", "Compare with"),  # a widget's label, help and options
        ("slider", "Layers L"),
        ("plotly_chart", "share of the gradient left"),  # an axis title
        ("plotly_chart", "dead: f' = 0"),  # an annotation
        ("page_link", "Train relu at depth 10"),
        ("error", "At x = -1, f' = 0"),  # an alert
        ("expander", "Show code"),
        ("caption", "Shaded:"),
    ]:
        assert any(line.startswith(f"{where}: ") and text in line for line in found), (where, text)
