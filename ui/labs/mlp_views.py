"""The MLP lab's live views: the shared training views plus the decision boundary."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from core.base.i18n import _, language
from core.contract.datasets import Split
from core.engine import probes
from core.engine.training import History
from ui.common.code import show_code
from ui.common.plot import chart, shared
from ui.common.state import load_split
from ui.labs import training_views
from ui.labs.mlp_charts import MAX_POINTS, decision_figure


def make_slots(split: Split) -> training_views.Slots:
    """The MLP lab's sections in page order, with the boundary drawn on `split`'s points."""

    def boundary() -> list:
        st.subheader(_("Decision boundary"))
        slot = st.empty()
        n = len(split.x_train) + len(split.x_val)
        thinned = _(" Above {k:,} points per set an evenly spaced sample is drawn.").format(k=MAX_POINTS)
        st.caption(
            _(
                "Each pixel is coloured by the class the net predicts there. Circles are training points, "
                "crosses validation points. A boundary that snakes around single points is overfitting; "
                "one that stays straight has not learned yet."
            )
            + (thinned if n > 2 * MAX_POINTS else "")
        )
        show_code(probes.decision_grid)

        def draw(s, h: History) -> None:  # split: the run's own, fixed by the training's config
            chart(s, shared(lambda run: decision_figure(run, split), h, name="mlp.decision"), live=True)

        return [(slot, draw)]

    return training_views.make_slots(
        "mlp",
        grad_title=_("Gradient flow"),
        act_note=_("Measured on a fixed sample of training points, once per epoch."),
        lab_views=boundary,
    )


def about(cfg, split: Split) -> str:
    """One line on the data and the net, beside the Train button."""
    text = _(
        "{n_train} training and {n_val} validation points, {k} classes; "
        "{depth} hidden layers of {width} units."
    )
    n_train, n_val = len(split.x_train), len(split.x_val)
    return text.format(n_train=n_train, n_val=n_val, k=split.n_classes, depth=cfg.depth, width=cfg.width)


def data_preview(cfg: Any) -> None:
    """Before the first run: the points the net will learn (the figure built once per data set
    and language: every visitor of a class opens the lab on it)."""
    st.info(_("Press **Train** to start. The points below are the data set the net will learn."))
    chart(st, _preview(cfg.dataset, cfg.n_samples, cfg.noise, cfg.val_fraction, cfg.seed, language()))


@functools.lru_cache(maxsize=32)
def _preview(dataset: str, n: int, noise: float, val_fraction: float, seed: int, lang: str) -> dict:
    return decision_figure(None, load_split(dataset, n, noise, val_fraction, seed))


def kept_run_link(history: History) -> None:
    """Where the run is kept, linking to Compare."""
    if history.run_id is not None:
        st.page_link(
            "pages/8_Compare.py",
            label=_("Kept as run #{id}: compare it with other runs").format(id=history.run_id),
            icon=":material/compare_arrows:",
        )
