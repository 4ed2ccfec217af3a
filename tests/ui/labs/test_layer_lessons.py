"""ui.labs.layer_lessons: the dropout / batch norm / init lessons beside the labs' controls."""

import json

import pytest
import torch

from core.contract.config import MLPConfig
from core.lessons import layer_lessons as lessons


def _lessons_page():
    import streamlit as st

    from core.contract.config import MLPConfig
    from ui.labs.layer_lessons import layer_lessons

    layer_lessons(MLPConfig(depth=5, width=16, activation="tanh", dropout=0.25, seed=st.session_state.seed))


def _shown(seed: int):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_lessons_page, default_timeout=60)
    at.session_state.seed = seed
    at.run()
    assert not at.exception
    mask = at.dataframe[0].value.loc["mask (kept?)"].tolist()
    (chart,) = at.get("plotly_chart")
    lines = {t["name"]: t["y"] for t in json.loads(chart.proto.spec)["data"]}
    return mask, lines


def test_the_lessons_are_the_same_for_every_seed_and_are_the_fixed_seeds_tensors():
    """A lesson shows what a setting does: two runs' seeds give the same mask and the same signal
    chart (so one computation serves a class whose links differ in the seed), and those are the
    lesson functions' own results on the fixed lesson seed."""
    (mask_a, lines_a), (mask_b, lines_b) = (_shown(s) for s in (3, 4321))
    assert mask_a == mask_b and lines_a == lines_b

    from ui.labs.layer_lessons import LESSON_SEED

    drop = lessons.dropout_demo(0.25, LESSON_SEED)
    assert mask_a == ["✓" if k else "✗" for k in drop.keep]
    cfg = MLPConfig(depth=5, width=16, activation="tanh", seed=LESSON_SEED)
    x = torch.randn(256, 2, generator=torch.Generator().manual_seed(LESSON_SEED))
    expected = lessons.signal_through_depth(cfg, x)
    assert set(lines_a) == {"default", "xavier", "he"}
    for init, ys in expected.items():
        assert lines_a[init] == pytest.approx(ys, rel=1e-6)
        assert len(ys) == 5
