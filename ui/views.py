"""The MLP lab's result views: each chart with its lesson, drawn live during training (into
placeholders) and again, with their widgets, from the stored run on every rerun."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core import insights, probes, training
from core.datasets import Split
from core.training import History
from ui import charts
from ui.code import show_code

LESSONS = {
    "loss": "Training loss measures how well the net fits the points it learns from; validation "
    "loss, on points it never sees, measures what it has really learned. When the first "
    "keeps falling while the second turns up, the net has started to memorise.",
    "grad": "Backpropagation multiplies one factor per layer on the way back: each activation's "
    "slope f'(z) times the weights. Sigmoid's slope is at most 1/4, so ten layers can "
    "shrink the gradient a million-fold: the first layers hardly move. ReLU passes a slope "
    "of 1 and He init keeps the weights' scale right, so every layer gets a fair share.",
    "boundary": "Each pixel is coloured by the class the net predicts there. Circles are "
    "training points, crosses validation points. A boundary that snakes around "
    "single points is overfitting; one that stays straight has not learned yet.",
    "act": "Saturated sigmoid/tanh units sit on their flat rails, where the slope is near zero and "
    "no gradient passes. Dead ReLU units output zero for every input and never recover. "
    "Both starve the layers below them.",
    "dist": "Watch the weights spread as the net learns, and compare the gradients' scale "
    "(the x axis) from layer to layer: that scale is the gradient flow, one layer at a time.",
}


@dataclass
class Slots:
    """Placeholders of the live views, created in page order."""

    status: st.delta_generator.DeltaGenerator
    overfit: st.delta_generator.DeltaGenerator
    loss: st.delta_generator.DeltaGenerator
    grad_text: st.delta_generator.DeltaGenerator
    heatmap: st.delta_generator.DeltaGenerator
    lines: st.delta_generator.DeltaGenerator
    boundary: st.delta_generator.DeltaGenerator | None  # None: a lab with no 2-D boundary (CNN)
    act: st.delta_generator.DeltaGenerator


def make_slots() -> Slots:
    """Lay out the result sections (heading, placeholder, lesson, code) in page order."""
    status = st.empty()
    st.subheader("Loss and accuracy")
    overfit, loss = st.empty(), st.empty()
    st.caption(LESSONS["loss"])
    show_code(training.train, insights.overfit_finding)
    st.subheader("Gradient flow")
    grad_text = st.empty()
    left, right = st.columns(2)
    heatmap, lines = left.empty(), right.empty()
    st.caption(
        LESSONS["grad"] + " Norms are the mean over each epoch's steps, taken right "
        "after backward(), before the optimiser step."
    )
    show_code(probes.GradNorms, insights.gradient_finding)
    left, right = st.columns(2)
    with left:
        st.subheader("Decision boundary")
        boundary = st.empty()
        st.caption(LESSONS["boundary"])
        show_code(probes.decision_grid)
    with right:
        st.subheader("Activations per layer")
        act = st.empty()
        st.caption(LESSONS["act"] + " Measured on a fixed sample of training points, once per epoch.")
        show_code(probes.activation_stats)
    return Slots(status, overfit, loss, grad_text, heatmap, lines, boundary, act)


def draw(slots: Slots, history: History, split: Split | None = None) -> None:
    """Redraw every live view from the history so far (the boundary only where there is one)."""
    if not history.epochs:
        return
    over = insights.overfit_finding(history)
    (slots.overfit.warning if over.overfitting else slots.overfit.caption)(over.sentence)
    slots.loss.plotly_chart(charts.loss_figure(history, over), width="stretch")
    grad_verdict(slots.grad_text, history)
    slots.heatmap.plotly_chart(charts.grad_heatmap_figure(history), width="stretch")
    slots.lines.plotly_chart(charts.grad_lines_figure(history), width="stretch")
    if slots.boundary is not None and split is not None:
        slots.boundary.plotly_chart(charts.decision_figure(history, split), width="stretch")
    if history.epochs[-1].get("act"):
        slots.act.plotly_chart(charts.activation_figure(history), width="stretch")


def settle_interrupted(history: History | None, store) -> None:
    """A run still 'running' at a rerun was cut short (Stop, or a widget touched mid-run): mark
    it stopped, on the page and in the store; its finished epochs stay."""
    if history is not None and history.status == "running":
        history.status, history.message = "stopped", f"Stopped after {len(history.epochs)} epochs."
        if history.run_id is not None:
            store.mark_stopped(history.run_id, history.message)


def grad_verdict(slot: st.delta_generator.DeltaGenerator, history: History) -> None:
    """The gradient-flow finding in one coloured sentence (red: vanishing or exploding)."""
    grad = insights.gradient_finding(history)
    if grad is not None:
        {"vanishing": slot.error, "exploding": slot.error, "weak": slot.warning, "healthy": slot.success}[
            grad.verdict
        ](f"{grad.sentence} (first/last = {grad.ratio:.1e} at epoch {history.epochs[-1]['epoch']})")


def status_line(slot: st.delta_generator.DeltaGenerator, history: History) -> None:
    """What the run did, in one line; a diverged run says what happened and what to try."""
    n = len(history.epochs)
    last = history.epochs[-1] if n else None
    tail = f": validation accuracy {last['val_acc']:.1%}, loss {last['val_loss']:.3f}" if last else ""
    if history.status == "diverged":
        slot.error(f"Diverged. {history.message}")
    elif history.status == "stopped":
        slot.warning(
            f"Stopped after {n} epochs ({history.seconds:.1f} s){tail}. Every finished epoch is kept below."
        )
    elif history.status == "finished":
        slot.success(f"Finished {n} epochs in {history.seconds:.1f} s{tail}.")
    else:
        slot.info(f"Training... epoch {n}{tail}")


def distributions(history: History, prefix: str = "mlp") -> None:
    """Weight and gradient histograms per layer at an epoch the user picks."""
    if not history.epochs:
        return
    st.subheader("Weight and gradient distributions")
    epochs = history.series("epoch")
    layers = history.layers
    c1, c2 = st.columns([1, 2])
    run = id(history)  # a new run gets fresh widgets (its epochs and layers differ)
    epoch = c1.select_slider("Epoch", epochs, value=epochs[-1], key=f"{prefix}.view_epoch.{run}")
    pick = [layers[0], layers[len(layers) // 2], layers[-1]]
    chosen = c2.multiselect(
        "Layers", layers, default=list(dict.fromkeys(pick)), key=f"{prefix}.view_layers.{run}"
    )
    if chosen:
        fig = charts.distribution_figure(history, epochs.index(epoch), chosen)
        st.plotly_chart(fig, width="stretch", key=f"{prefix}.dist_chart")
    st.caption(LESSONS["dist"])
    show_code(probes.histograms)
