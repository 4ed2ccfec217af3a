"""The training charts of every lab, as plain plotly figure dicts: History in, dict out.

They are redrawn live, many times a run, by a server that trains for a whole class: plotly's
graph_objects validate every property on every build (tens of ms a figure), so these builders
write the figure JSON directly. tests/ui/labs/test_training_charts.py validates every builder's
output with plotly once; `ui.common.plot.chart` sends a dict without validating it again.

Gradient norms span many orders of magnitude, so they are drawn on log axes; plotly has no log
colour scale, so the heatmap plots log10 of the values with colour-bar ticks written as powers
of ten. No more points are sent than a chart can show: long runs are thinned to MAX_POINTS
epochs per line (the first, the last and the best epoch always kept).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from core.base.i18n import N_, _
from core.engine.insights import OverfitFinding
from core.engine.training import History

TRAIN, VAL = "#1f77b4", "#ff7f0e"
MAX_POINTS = 400  # per line: a chart ~800 px wide cannot show more epochs than this apart
LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "height": 340,
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
}
MEASURES = {  # per-layer gradient measures: record key -> (axis title, hover name)
    "grad_rms": N_("gradient per weight (RMS)"),
    "grad_norm": N_("gradient norm (L2, whole layer)"),
}


@functools.lru_cache(maxsize=64)
def viridis(n: int) -> tuple[str, ...]:
    """n colours from plotly's Viridis, input-side layers light ... output side dark, as depth;
    once per n (sampling the scale costs about a millisecond, and every rerun of a lab asks)."""
    import plotly.colors as pc

    return tuple(pc.sample_colorscale("Viridis", [i / max(n - 1, 1) for i in range(n)]))


def thin(n: int, keep: tuple[int, ...] = ()) -> list[int]:
    """At most MAX_POINTS indices of 0..n-1, evenly spread, with the first, last and `keep`."""
    if n <= MAX_POINTS:
        return list(range(n))
    picks = {round(i * (n - 1) / (MAX_POINTS - 1)) for i in range(MAX_POINTS)}
    return sorted(picks | {k % n for k in keep})


def measure_of(history: History, wanted: str = "grad_rms") -> str:
    """The per-layer measure to draw: `wanted` when every epoch has it (runs from before the RMS
    was recorded have only the norm)."""
    ok = history.epochs and all(set(history.layers) <= set(r.get(wanted) or {}) for r in history.epochs)
    return wanted if ok else "grad_norm"


def loss_figure(history: History, finding: OverfitFinding | None = None) -> dict:
    """Loss and accuracy per epoch, train vs validation, with the best validation epoch marked."""
    best = (finding.best_epoch - 1,) if finding else ()
    idx = thin(len(history.epochs), best)
    ep = [history.epochs[i]["epoch"] for i in idx]
    data = []
    for axis, (key, name) in enumerate([("loss", _("loss")), ("acc", _("accuracy"))], start=1):
        for split, colour, label in (("train", TRAIN, _("train")), ("val", VAL, _("validation"))):
            values = [history.epochs[i][f"{split}_{key}"] for i in idx]
            data.append(
                {
                    "type": "scatter",
                    "x": ep,
                    "y": values,
                    "mode": "lines",
                    "name": f"{label} {name}",
                    "line": {"color": colour, "width": 2},
                    "legendgroup": split,
                    "xaxis": f"x{axis if axis > 1 else ''}",
                    "yaxis": f"y{axis if axis > 1 else ''}",
                }
            )
    layout = {
        **LAYOUT,
        "xaxis": {"domain": [0, 0.45], "title": {"text": _("epoch")}, "anchor": "y"},
        "xaxis2": {"domain": [0.55, 1], "title": {"text": _("epoch")}, "anchor": "y2"},
        "yaxis": {"title": {"text": _("loss (cross-entropy)")}, "anchor": "x"},
        "yaxis2": {"title": {"text": _("accuracy")}, "range": [0, 1.02], "anchor": "x2"},
    }
    if finding is not None and finding.overfitting:
        line = {"color": "crimson", "dash": "dash"}
        layout["shapes"] = [
            {"type": "line", "x0": finding.best_epoch, "x1": finding.best_epoch, "xref": x, "y0": 0, "y1": 1,
             "yref": f"{y} domain", "line": line}
            for x, y in (("x", "y"), ("x2", "y2"))
        ]  # fmt: skip
        layout["annotations"] = [
            {
                "x": finding.best_epoch,
                "y": finding.best_val_loss,
                "xref": "x",
                "yref": "y",
                "text": _("best validation: epoch {n}<br>overfitting after").format(n=finding.best_epoch),
                "showarrow": True,
                "arrowhead": 2,
                "ax": 40,
                "ay": -40,
                "font": {"color": "crimson"},
            }
        ]
    return {"data": data, "layout": layout}


def pow10_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Colour-bar ticks at whole powers of ten between lo and hi (log10 values), at most ~8."""
    ks = list(range(math.floor(lo), math.ceil(hi) + 1))
    ks = ks[:: max(1, len(ks) // 8)]
    return [float(k) for k in ks], [f"1e{k}" for k in ks]


def grad_heatmap_figure(history: History, measure: str = "grad_rms") -> dict:
    """Layer x epoch heatmap of log10 of the gradient: a vanishing net is dark at the bottom."""
    measure = measure_of(history, measure)
    idx = thin(len(history.epochs))
    values = np.array([[history.epochs[i][measure][n] for i in idx] for n in history.layers], dtype=float)
    z = np.log10(np.maximum(values, 1e-30))
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-6.0, 0.0)
    vals, text = pow10_ticks(lo, hi)
    hover = _("{layer}, epoch {epoch}: 10^{value}").format(layer="%{y}", epoch="%{x}", value="%{z:.2f}")
    trace = {
        "type": "heatmap",
        "z": np.round(z, 4).tolist(),
        "x": [history.epochs[i]["epoch"] for i in idx],
        "y": history.layers,
        "colorscale": "Viridis",
        "colorbar": {"title": {"text": _("|grad|")}, "tickvals": vals, "ticktext": text},
        "hovertemplate": hover + "<extra></extra>",
    }
    layout = {
        **LAYOUT,
        "title": {"text": _("Gradient per layer, log colour: {what}").format(what=_(MEASURES[measure]))},
        "xaxis": {"title": {"text": _("epoch")}},
        "yaxis": {"title": {"text": _("layer (input at the bottom)")}},
    }
    return {"data": [trace], "layout": layout}


def grad_lines_figure(history: History, measure: str = "grad_rms") -> dict:
    """One line per layer on a log axis: the gap between lines is the vanishing factor."""
    measure = measure_of(history, measure)
    idx = thin(len(history.epochs))
    ep = [history.epochs[i]["epoch"] for i in idx]
    data = [
        {
            "type": "scatter",
            "x": ep,
            "y": [history.epochs[i][measure][name] for i in idx],
            "mode": "lines",
            "name": name,
            "line": {"color": colour},
        }
        for name, colour in zip(history.layers, viridis(len(history.layers)))
    ]
    layout = {
        **LAYOUT,
        "title": {"text": _("Gradient per layer, log axis: {what}").format(what=_(MEASURES[measure]))},
        "legend": {"orientation": "v"},
        "xaxis": {"title": {"text": _("epoch")}},
        "yaxis": {"type": "log", "title": {"text": _(MEASURES[measure])}, "exponentformat": "power"},
    }
    return {"data": data, "layout": layout}


def activation_figure(history: History, epoch_index: int = -1) -> dict:
    """Per hidden layer at one epoch: mean +- std of the activations, and the share of
    saturated (sigmoid/tanh) or dead (ReLU) units."""
    act = history.epochs[epoch_index]["act"]
    names = list(act)
    failure = next((k for k in ("saturated", "dead") if names and k in act[names[0]]), None)
    titles = {"saturated": _("Saturated fraction"), "dead": _("Dead fraction")}
    data = [
        {
            "type": "bar",
            "x": names,
            "y": [act[n]["mean"] for n in names],
            "name": _("mean"),
            "error_y": {"type": "data", "array": [act[n]["std"] for n in names]},
            "marker": {"color": TRAIN},
        }
    ]
    layout = {**LAYOUT, "showlegend": False, "xaxis": {"anchor": "y"}, "yaxis": {"anchor": "x"}}
    annotations = [_title(_("Activation mean ± std"), 0.225 if failure else 0.5)]
    if failure:
        data.append(
            {
                "type": "bar",
                "x": names,
                "y": [act[n][failure] for n in names],
                "name": titles[failure],
                "marker": {"color": "crimson"},
                "xaxis": "x2",
                "yaxis": "y2",
            }
        )
        layout["xaxis"]["domain"] = [0, 0.45]
        layout["xaxis2"] = {"domain": [0.55, 1], "anchor": "y2"}
        layout["yaxis2"] = {"range": [0, 1], "anchor": "x2"}
        annotations.append(_title(titles[failure], 0.775))
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


def _title(text: str, x: float) -> dict:
    """A subplot title: centred over its plot, above the plotting area."""
    return {"text": text, "x": x, "y": 1.0, "xref": "paper", "yref": "paper", "xanchor": "center",
            "yanchor": "bottom", "showarrow": False, "font": {"size": 14}}  # fmt: skip


def distribution_figure(history: History, epoch_index: int, layers: list[str]) -> dict:
    """Histograms of weights (left) and last-step gradients (right) for chosen layers."""
    rec = history.epochs[epoch_index]
    rows = len(layers)
    gap = 0.06 if rows < 6 else 0.02
    height = (1 - gap * (rows - 1)) / rows
    data, layout = [], {**LAYOUT, "height": 150 + 140 * rows, "showlegend": False}
    layout["title"] = {"text": _("Distributions at epoch {epoch}").format(epoch=rec["epoch"])}
    annotations = [_title(_("weights"), 0.225), _title(_("gradients (last step of the epoch)"), 0.775)]
    for row, name in enumerate(layers):
        top = 1 - row * (height + gap)
        for col, kind in ((0, "weight"), (1, "grad")):
            n = row * 2 + col + 1
            x, y = (f"x{n}", f"y{n}") if n > 1 else ("x", "y")
            layout[f"xaxis{n if n > 1 else ''}"] = {
                "domain": [0, 0.45] if col == 0 else [0.55, 1],
                "anchor": y,
                "exponentformat": "e" if col else "none",
            }
            domain = [max(0.0, round(top - height, 6)), min(1.0, round(top, 6))]
            layout[f"yaxis{n if n > 1 else ''}"] = {"domain": domain, "anchor": x}
            h = rec["hist"][name].get(kind)
            if h is None:
                continue
            width = (h["hi"] - h["lo"]) / len(h["counts"])
            data.append(
                {
                    "type": "bar",
                    "x": [h["lo"] + (i + 0.5) * width for i in range(len(h["counts"]))],
                    "y": h["counts"],
                    "width": width,
                    "marker": {"color": TRAIN if col == 0 else VAL},
                    "hovertemplate": "%{x:.3g}: %{y}<extra></extra>",
                    "xaxis": x,
                    "yaxis": y,
                }
            )
        annotations.append(
            {"text": name, "x": 1.02, "y": top - height / 2, "xref": "paper", "yref": "paper",
             "textangle": 90, "showarrow": False, "xanchor": "left", "yanchor": "middle"}
        )  # fmt: skip
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}
