"""The History timeline as data: in order, every link opens a page that exists, set up as it says;
the numbers it states computed from the real functions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from core.contract.activations import ACTIVATIONS
from core.contract.config import MLPConfig, from_params
from core.contract.presets import PRESETS
from core.lessons.activation_lessons import ActivationsView
from core.lessons.history import BY_KEY, EVENTS

ROOT = Path(__file__).resolve().parents[3]
LINKED = [(e.key, link) for e in EVENTS for link in e.links]


def test_steps_are_in_time_order_with_unique_keys():
    assert [e.start for e in EVENTS] == sorted(e.start for e in EVENTS)
    assert len(BY_KEY) == len(EVENTS) and list(BY_KEY) == [e.key for e in EVENTS]
    for e in EVENTS:
        assert 1940 <= e.start <= e.end <= 2020
        assert e.key.replace("-", "").isalnum()  # a clean URL value
        # The shown date names the years it covers.
        assert str(e.start) in e.when or f"{e.start // 10 * 10}s" in e.when, e.key
        assert all(text.strip() for text in (e.title, e.what, e.why, e.source))


def test_every_source_is_dated_within_the_step():
    for e in EVENTS:
        years = [int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", e.source)]
        assert years, e.key
        assert any(e.start <= y <= e.end for y in years), (e.key, years)


def test_the_course_steps_named_in_the_brief_are_there():
    starts = {e.key: e.start for e in EVENTS}
    assert starts["1943"] == 1943 and starts["1958"] == 1958 and starts["1969"] == 1969
    assert starts["1986"] == 1986 and starts["1991"] == 1991 and starts["1989"] == 1989
    assert starts["relu"] == 2010 and starts["dropout"] == 2012 and starts["alexnet"] == 2012
    assert {"rl", "gan", "vision"} <= set(starts)


@pytest.mark.parametrize(("key", "link"), LINKED, ids=[f"{k}-{i}" for i, (k, _) in enumerate(LINKED)])
def test_every_link_target_exists_and_opens_set_up(key, link):
    assert (ROOT / link.page).is_file(), link.page
    assert link.label.strip()
    params = link.params()
    if link.preset:
        assert link.page == "pages/3_MLP_Lab.py" and link.preset in PRESETS
        cfg, notices = from_params(MLPConfig, params)
        assert notices == [] and cfg == MLPConfig(**PRESETS[link.preset].fields)
    elif link.view is not None:
        assert link.page == "pages/2_Activations.py"
        view, notices = from_params(ActivationsView, params)
        assert notices == [] and view == link.view
    else:
        assert params is None


def test_where_it_leads_has_no_page_and_everything_before_has_one():
    for e in EVENTS:
        leads = e.title.startswith("Where this leads")
        assert (not e.links) == leads, e.key
    assert [e.key for e in EVENTS if not e.links] == ["rl", "gan", "vision"]


def test_presets_the_timeline_names_match_what_it_says():
    by_page = {(k, link.page, link.preset) for k, link in LINKED}
    assert ("1969", "pages/3_MLP_Lab.py", "xor") in by_page
    assert PRESETS["xor"].fields["depth"] == 1 and PRESETS["xor"].fields["width"] == 4  # "4 units"
    assert PRESETS["vanishing"].fields == {"depth": 10, "activation": "sigmoid"}  # "ten sigmoid layers"
    assert PRESETS["healthy"].fields["activation"] == "relu" and PRESETS["dropout"].fields["dropout"] == 0.5


def test_the_numbers_the_timeline_states():
    # 1991: "Sigmoid's slope is at most 1/4, so ten sigmoid layers alone keep less than a millionth."
    z = torch.linspace(-20, 20, 400_001, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    assert float(slope.max()) == pytest.approx(0.25, abs=1e-12) and float(slope.max()) <= 0.25
    assert float(slope.max()) ** 10 < 1e-6
    # 2010: ReLU's slope is exactly 1 wherever z > 0.
    (relu_slope,) = torch.autograd.grad(torch.relu(z).sum(), z)
    assert bool((relu_slope[z > 0] == 1).all())
    assert "1/4" in BY_KEY["1991"].why and "max(0, z)" in BY_KEY["relu"].what
    assert ACTIVATIONS["sigmoid"].max_grad == 0.25
