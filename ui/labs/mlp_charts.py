"""The MLP lab's own chart: the plane coloured by the net's prediction, with the points."""

from __future__ import annotations

import numpy as np

from core.base.i18n import _
from core.contract.datasets import Split
from core.engine.probes import decision_grid
from core.engine.training import History
from ui.labs.training_charts import LAYOUT

CLASS_COLOURS = ["#2b6cb0", "#dd6b20", "#2f855a", "#b83280"]
MAX_POINTS = 1500  # drawn per set: more points only hide each other on a 400 px plane


def decision_figure(history: History | None, split: Split, lim: float | None = None) -> dict:
    """The plane coloured by the model's prediction, with train (o) and validation (x) points;
    above MAX_POINTS per set, an evenly spaced sample of them (the caption says so)."""
    pts = np.concatenate([split.x_train.numpy(), split.x_val.numpy()])
    lim = lim or float(np.ceil(np.abs(pts).max() * 10 + 1) / 10)
    data = []
    if history is not None and history.epochs and (model := history.net()) is not None:
        axis, probs = decision_grid(model, lim)
        axis = np.round(axis, 5).tolist()
        if probs.shape[-1] == 2:  # binary: P(class 1), a smooth boundary at 0.5
            data.append(
                {
                    "type": "heatmap",
                    "x": axis,
                    "y": axis,
                    "z": np.round(probs[..., 1].numpy(), 4).tolist(),
                    "zmin": 0,
                    "zmax": 1,
                    "colorscale": [[0, "#bcd4ee"], [0.5, "#f7f7f7"], [1, "#f6c9a6"]],
                    "colorbar": {"title": {"text": _("P(class 1)")}},
                    "hoverinfo": "skip",
                }
            )
        else:  # several classes: the winning class, pale
            k = probs.shape[-1]
            data.append(
                {
                    "type": "heatmap",
                    "x": axis,
                    "y": axis,
                    "z": probs.argmax(-1).tolist(),
                    "zmin": 0,
                    "zmax": k - 1,
                    "colorscale": [[i / (k - 1), CLASS_COLOURS[i]] for i in range(k)],
                    "opacity": 0.3,
                    "showscale": False,
                    "hoverinfo": "skip",
                }
            )
    for x, y, name, symbol in (
        (split.x_train, split.y_train, _("train"), "circle"),
        (split.x_val, split.y_val, _("validation"), "x"),
    ):
        keep = np.linspace(0, len(x) - 1, min(len(x), MAX_POINTS)).round().astype(int)
        xy = np.round(x[keep].numpy(), 4)
        data.append(
            {
                "type": "scatter",  # SVG: a few thousand points draw fast everywhere (WebGL may be emulated)
                "x": xy[:, 0].tolist(),
                "y": xy[:, 1].tolist(),
                "mode": "markers",
                "name": name,
                "marker": {
                    "color": [CLASS_COLOURS[c] for c in y[keep].tolist()],
                    "symbol": symbol,
                    "size": 5,
                    "line": {"width": 0.5, "color": "white"},
                },
            }
        )
    layout = {
        **LAYOUT,
        "height": 400,
        "xaxis": {"range": [-lim, lim], "constrain": "domain"},
        "yaxis": {"range": [-lim, lim], "scaleanchor": "x"},
    }
    return {"data": data, "layout": layout}
