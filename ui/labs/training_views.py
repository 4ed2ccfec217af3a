"""The training views every lab shares: each chart with its lesson, drawn live during a run
(into placeholders) and again, with their widgets, from the kept run on every rerun."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from core.base.i18n import N_, _
from core.engine import insights, probes, training
from core.engine.training import History
from ui.common.code import show_code
from ui.common.plot import chart, shared
from ui.labs import training_charts as charts

Slot = st.delta_generator.DeltaGenerator
LESSONS = {
    "loss": N_(
        "Training loss measures how well the net fits the points it learns from; validation loss, "
        "on points it never sees, measures what it has really learned. When the first keeps "
        "falling while the second turns up, the net has started to memorise. Both are measured "
        "once per epoch in evaluation mode (dropout off), the training loss on a fixed sample of "
        "up to 256 training examples."
    ),
    "grad": N_(
        "Backpropagation multiplies one factor per layer on the way back: each activation's slope "
        "f'(z) times the weights. Sigmoid's slope is at most 1/4, so ten layers can shrink the "
        "gradient a million-fold: the first layers hardly move. ReLU passes a slope of 1 where it "
        "is active, and He init keeps the weights' scale right, so every layer gets a fair share."
    ),
    "measure": N_(
        "What is measured: right after backward(), before the optimiser step, the L2 (Frobenius) "
        "norm of each layer's weight gradient, averaged over the epoch's steps. A layer of n "
        "weights that each get a gradient g has norm g·√n, so a wide layer shows a bigger norm "
        "than a narrow one for the same per-weight gradient: 'per weight (RMS)' divides by √n and "
        "is the fair comparison between layers; the verdict above uses it."
    ),
    "act": N_(
        "Saturated sigmoid/tanh units sit on their flat rails, where the slope is under a tenth of "
        "its best, so little gradient passes back through them. A dead ReLU unit outputs zero for "
        "every input of the sample, so no gradient passes through it; it can come back when the "
        "layers before it, or weight decay, move its inputs. Both slow the layers below them."
    ),
    "dist": N_(
        "Watch the weights spread as the net learns, and compare the gradients' scale (the x axis) "
        "from layer to layer: that scale is the gradient flow, one layer at a time."
    ),
}


def lesson(name: str) -> str:
    """One of the LESSONS, in the page's language."""
    text = LESSONS[name]  # a variable: the extractor takes only literals inside _()
    return _(text)


VERDICT_STYLE = {"vanishing": "error", "exploding": "error", "weak": "warning", "growing": "warning"}


@dataclass
class Slots:
    """Placeholders of the live views, created in page order; `extra` holds a lab's own live
    views as (placeholder, draw(placeholder, history))."""

    status: Slot
    overfit: Slot
    loss: Slot
    grad_text: Slot
    heatmap: Slot
    lines: Slot
    act: Slot
    measure: str = "grad_rms"
    extra: list[tuple[Slot, Callable[[Slot, History], None]]] = field(default_factory=list)


def make_slots(
    prefix: str,
    *,
    grad_title: str,
    grad_note: str = "",
    act_note: str = "",
    lab_views: Callable[[], list[tuple[Slot, Callable[[Slot, History], None]]]] | None = None,
) -> Slots:
    """Lay out the shared sections (heading, placeholder, lesson, code) in page order; a lab's
    own live sections (`lab_views` lays them out and returns their placeholders and drawers)
    come between the gradients and the activations."""
    status = st.empty()
    st.subheader(_("Loss and accuracy"))
    overfit, loss = st.empty(), st.empty()
    st.caption(lesson("loss"))
    show_code(training.train, insights.overfit_finding)
    st.subheader(grad_title)
    grad_text = st.empty()
    measure = st.segmented_control(
        _("Gradient shown"),
        list(charts.MEASURES),
        default="grad_rms",
        format_func=lambda m: _(charts.MEASURES[m]),
        key=f"{prefix}.grad_measure",
        help=_("Per weight (RMS) = norm / √(number of weights): fair between layers of different sizes."),
    )
    left, right = st.columns(2)
    heatmap, lines = left.empty(), right.empty()
    st.caption(" ".join(filter(None, [lesson("grad"), lesson("measure"), grad_note])))
    show_code(probes.GradNorms, insights.gradient_finding)
    extra = lab_views() if lab_views is not None else []
    st.subheader(_("Activations per layer"))
    act = st.empty()
    st.caption(" ".join(filter(None, [lesson("act"), act_note])))
    show_code(probes.activation_stats)
    return Slots(status, overfit, loss, grad_text, heatmap, lines, act, measure or "grad_rms", extra)


def draw(slots: Slots, history: History) -> None:
    """Redraw every live view from the history so far (a run with no epoch has only its status)."""
    status_line(slots.status, history)
    if not history.epochs:
        return
    over = insights.overfit_finding(history)
    (slots.overfit.warning if over.overfitting else slots.overfit.caption)(over.sentence)
    chart(slots.loss, shared(charts.loss_figure, history, over), live=True)
    grad_verdict(slots.grad_text, history)
    chart(slots.heatmap, shared(charts.grad_heatmap_figure, history, slots.measure), live=True)
    chart(slots.lines, shared(charts.grad_lines_figure, history, slots.measure), live=True)
    for slot, view in slots.extra:
        view(slot, history)
    if history.epochs[-1].get("act"):
        chart(slots.act, shared(charts.activation_figure, history), live=True)


def grad_verdict(slot: Slot, history: History) -> None:
    """The gradient-flow finding in one coloured sentence (red: vanishing or exploding)."""
    grad = insights.gradient_finding(history)
    if grad is None:
        return
    which = _("per-weight RMS") if grad.measure == "grad_rms" else _("norms")
    where = _("(first/last {which} = {ratio:.1e} at epoch {epoch})").format(
        which=which, ratio=grad.ratio, epoch=history.epochs[-1]["epoch"]
    )
    if (every := (getattr(history, "derived", None) or {}).get("grad_every", 1)) > 1:
        where += " " + _(
            "Each epoch's gradients are the mean over one step in {n} (an epoch of more than 31 steps "
            "is measured on 16 to 31 evenly spaced ones)."
        ).format(n=every)
    getattr(slot, VERDICT_STYLE.get(grad.verdict, "success"))(f"{grad.sentence} {where}")


def status_line(slot: Slot, history: History) -> None:
    """What the run did, in one line; a diverged run says what happened and what to try."""
    n = len(history.epochs)
    last = history.epochs[-1] if n else None
    tail = ""
    if last:
        tail = _(": validation accuracy {acc:.1%}, loss {loss:.3f}")
        tail = tail.format(acc=last["val_acc"], loss=last["val_loss"])
    if history.status == "diverged":
        slot.error(_("Diverged. {message}").format(message=history.message))
    elif history.status == "stopped":
        slot.warning(
            _("Stopped after {n} epochs ({s:.1f} s){tail}. Every finished epoch is kept below.").format(
                n=n, s=history.seconds, tail=tail
            )
        )
    elif history.status == "finished":
        slot.success(_("Finished {n} epochs in {s:.1f} s{tail}.").format(n=n, s=history.seconds, tail=tail))
    else:
        slot.info(_("Training... epoch {n}{tail}").format(n=n, tail=tail))


def distributions(history: History, prefix: str) -> None:
    """Weight and gradient histograms per layer at an epoch the user picks."""
    if not history.epochs or "hist" not in history.epochs[-1]:
        return
    st.subheader(_("Weight and gradient distributions"))
    epochs = history.series("epoch")
    layers = history.layers
    c1, c2 = st.columns([1, 2])
    run = id(history)  # a new run gets fresh widgets (its epochs and layers differ)
    epoch = c1.select_slider(_("Epoch"), epochs, value=epochs[-1], key=f"{prefix}.view_epoch.{run}")
    pick = [layers[0], layers[len(layers) // 2], layers[-1]]
    chosen = c2.multiselect(
        _("Layers"), layers, default=list(dict.fromkeys(pick)), key=f"{prefix}.view_layers.{run}"
    )
    if chosen:
        figure = shared(charts.distribution_figure, history, epochs.index(epoch), tuple(chosen))
        chart(st, figure, key=f"{prefix}.dist_chart")
    st.caption(lesson("dist"))
    show_code(probes.histograms)
