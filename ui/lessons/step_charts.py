"""The Neuron page's step-vs-sigmoid chart: loss per epoch and gradient size per update, side by
side, for the two runs of core.lessons.step_lesson. A plain dict figure (no plotly validation)."""

from __future__ import annotations

from core.base.i18n import _
from core.lessons.step_lesson import GDRun

COLOURS = {"step": "#dd6b20", "sigmoid": "#2b6cb0"}


def step_vs_sigmoid_figure(runs: dict[str, GDRun]) -> dict:
    """Left: the loss before each update (and after the last). Right: |dL/dp| at each update,
    on a linear axis so the step's exact zeros sit on the floor where they can be seen."""
    names = {"step": _("step: hard threshold"), "sigmoid": _("sigmoid")}
    traces = []
    for key, run in runs.items():
        line = dict(color=COLOURS.get(key), width=3, dash="dash" if key == "step" else "solid")
        common = dict(type="scatter", mode="lines", name=names.get(key, key), legendgroup=key, line=line)
        traces.append(
            dict(
                **common,
                x=list(range(len(run.losses))),
                y=list(run.losses),
                xaxis="x",
                yaxis="y",
                hovertemplate=_("epoch %{x}: loss %{y:.4g}") + "<extra></extra>",
            )
        )
        traces.append(
            dict(
                **common,
                x=list(range(1, len(run.grad_norms) + 1)),
                y=list(run.grad_norms),
                xaxis="x2",
                yaxis="y2",
                showlegend=False,
                hovertemplate=_("update %{x}: |dL/dp| = %{y:.4g}") + "<extra></extra>",
            )
        )
    notes = [
        dict(xref="x domain", yref="paper", x=0.5, y=1.0, yanchor="bottom", showarrow=False,
             text=_("loss (mean squared error)"), font=dict(size=14)),
        dict(xref="x2 domain", yref="paper", x=0.5, y=1.0, yanchor="bottom", showarrow=False,
             text=_("size of the gradient autograd returns"), font=dict(size=14)),
    ]  # fmt: skip
    if "step" in runs and not any(runs["step"].grad_norms):
        notes.append(
            dict(xref="x2 domain", yref="y2", x=0.5, y=0, yanchor="bottom", showarrow=False,
                 text=_("step: exactly 0 at every update"), font=dict(color=COLOURS["step"], size=13),
                 bgcolor="rgba(255, 255, 255, 0.85)")
        )  # fmt: skip
    layout = dict(
        height=360,
        margin=dict(l=10, r=10, t=60, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.1, x=0),
        xaxis=dict(domain=[0, 0.46], title_text=_("epoch (one update each)")),
        yaxis=dict(title_text=_("loss"), rangemode="tozero"),
        xaxis2=dict(domain=[0.54, 1], anchor="y2", title_text=_("update")),
        yaxis2=dict(anchor="x2", title_text="|dL/dp|", rangemode="tozero"),
        annotations=notes,
        hovermode="closest",
    )
    return dict(data=traces, layout=layout)
