"""The Activations page's sentences say what autograd says: each slow region named for what it
is (dead, leaky, turning point, saturated) with its edges, and a unit at x with its slope."""

from __future__ import annotations

import math

import pytest
import torch

from core.contract.activations import ACTIVATIONS
from core.lessons import activation_words as words
from core.lessons.activation_lessons import slow_regions, threshold


def slope(name: str, x: float) -> float:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(ACTIVATIONS[name].f(t), t)
    return float(g)


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_sigmoid_is_saturated_beyond_its_closed_form_edges_and_still_passes_gradient():
    text = words.regions_sentence("sigmoid")
    edge = logit((1 + math.sqrt(0.9)) / 2)  # sigma(1 - sigma) = 0.025
    assert f"x < {-edge:.3g} and x > {edge:.3g}, saturated" in text
    assert f"|f'(x)| < {0.1 * 0.25:.3g}" in text and "never nothing" in text
    assert 0 < slope("sigmoid", -6.0) < threshold("sigmoid")  # small, not zero


def test_relu_is_dead_for_x_at_most_zero():
    text = words.regions_sentence("relu")
    assert "for x ≤ 0, dead: f' = 0 exactly" in text
    assert slope("relu", 0.0) == 0.0 and slope("relu", -1.0) == 0.0 and slope("relu", 1e-9) == 1.0


def test_leaky_relu_is_never_called_saturated_or_dead():
    text = words.regions_sentence("leaky_relu")
    assert "saturated for" not in text and "dead" not in text.split("never dies")[0]
    assert "for x ≤ 0, leaky: f' = 0.01 there, so 1% of the gradient always passes" in text
    assert slope("leaky_relu", -3.0) == pytest.approx(0.01, abs=1e-15)


def test_gelu_dip_is_a_turning_point_not_saturation():
    text = words.regions_sentence("gelu")
    turning = next(r for r in slow_regions("gelu") if r.kind == "turning")
    assert f"a turning point, not a saturated region: f has its minimum at x = {turning.zero:.3g}" in text
    assert abs(slope("gelu", turning.zero)) < 1e-12
    assert (
        f"for x < {next(r for r in slow_regions('gelu') if r.kind == 'saturated').hi:.3g}, saturated" in text
    )
    label = words.region_label(turning)
    assert label == f"f' = 0 at x = {turning.zero:.3g}"


def test_linear_has_no_slow_region():
    assert words.regions_sentence("linear") == "linear's slope never drops under 0.1, a tenth of its best 1."


@pytest.mark.parametrize(
    ("name", "x", "kind"),
    [
        ("sigmoid", 1.0, "ok"),
        ("sigmoid", -4.2, "saturated"),
        ("relu", -1.0, "dead"),
        ("relu", 0.0, "dead"),
        ("leaky_relu", -2.0, "leaky"),
        ("gelu", -0.75, "turning"),
        ("gelu", -math.sqrt(2), "ok"),  # |f'| = 0.129 there: above 10% of 1.129, sign flipped
    ],
)
def test_reading_at_x_says_the_autograd_slope(name, x, kind):
    got, text = words.reading_at(name, x, slow_regions(name))
    assert got == kind
    d = slope(name, x)
    share = abs(d) / ACTIVATIONS[name].max_grad
    assert (share < 0.1) == (kind != "ok")
    if kind == "ok":
        assert f"passes back {share:.0%} of its best slope" in text
        assert ("sign flipped" in text) == (d < 0)
    elif kind == "dead":
        assert d == 0 and "no gradient passes back" in text and "can come back" in text
    elif kind == "leaky":
        assert f"f' = {d:g}" in text and "never zero" in text
    elif kind == "turning":
        assert f"f' = {d:.3g}" in text and "single point" in text
    else:
        assert f"by {d:.3g}" in text and "Some gradient still passes" in text


def _dead_unit_trains(steps: int, make_opt, deep: bool) -> tuple[list[float], int | None]:
    """A ReLU unit with z < 0 on every input. deep: it sits behind a trained layer a = relu(ux + c);
    else it sees x itself and only weight decay acts on it. Returns its own weights' gradient at
    each step while dead, and the step it first has z > 0 for some input (None: never)."""
    x = torch.linspace(0, 1, 20, dtype=torch.float64)
    start = dict(u=0.5, c=0.1, v1=0.5, d1=0.0, v2=1.0, d2=-1.0, o1=1.0, o2=1.0)
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    opt = make_opt(list(p.values()))
    grads = []
    for step in range(steps):
        a = torch.relu(p["u"] * x + p["c"]) if deep else x
        z = p["v2"] * a + p["d2"]  # the dead unit: max z = -0.4 (deep) or 0 at x = 1 (shallow)
        y_hat = p["o1"] * torch.relu(p["v1"] * a + p["d1"]) * deep + p["o2"] * torch.relu(z)
        loss = ((y_hat - 4 * x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        if bool((z > 0).any()):
            return grads, step
        grads.append(abs(float(p["v2"].grad)) + abs(float(p["d2"].grad)))
        opt.step()
    return grads, None


def test_a_dead_relu_unit_can_come_back():
    """What the page says: dead, no gradient through its own weights, yet it can come back."""
    # The layer before it trains (through the other unit) and moves its inputs up past its threshold.
    grads, back = _dead_unit_trains(200, lambda ps: torch.optim.SGD(ps, lr=0.05), deep=True)
    assert back is not None and back > 0 and grads == [0.0] * back
    # Alone, with only weight decay acting on it: Adam's L2 pull takes its bias to 0 and across.
    adam = lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.01)
    grads, back = _dead_unit_trains(3000, adam, deep=False)
    assert back is not None and set(grads) == {0.0}
    # Plain SGD's weight decay only shrinks it toward 0 from below: it stays dead.
    grads, back = _dead_unit_trains(
        3000, lambda ps: torch.optim.SGD(ps, lr=0.05, weight_decay=0.01), deep=False
    )
    assert back is None
