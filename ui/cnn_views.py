"""The CNN lab's views: the layer table, the live training views, and what the trained net learned
(filters, feature maps, confusion matrix, mistakes, a prediction on the user's own picture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import cnn, cnn_inspect, image_data, insights, probes, training
from core.cnn import Architecture
from core.image_data import ImageSplit
from core.imageio import ImageError, load_image
from core.training import History
from ui import cnn_charts
from ui.code import show_code
from ui.views import LESSONS, Slots

PREFIX = "cnn"


def layer_table(arch: Architecture, shape: tuple[int, int, int]) -> None:
    """Each layer's output shape, parameters and receptive field, next to a dense layer's cost."""
    rows = [
        {
            "layer": r.name,
            "type": r.kind,
            "output shape": " x ".join(map(str, r.shape)),
            "parameters": r.params,
            "receptive field": f"{r.receptive_field}x{r.receptive_field}"
            if r.receptive_field
            else "whole image",
            "dense layer, same sizes": r.dense_params,
        }
        for r in arch.rows
    ]
    rows.append(
        {"layer": "total", "type": "", "output shape": "", "parameters": arch.params,
         "receptive field": "", "dense layer, same sizes": arch.dense_params}
    )  # fmt: skip
    number = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "type": st.column_config.TextColumn(width="large"),
            "parameters": number,
            "dense layer, same sizes": number,
        },
    )
    c, h, w = shape
    ratio = arch.dense_params / max(arch.params, 1)
    st.caption(
        f"Input {c} x {h} x {w}. Output size per side: floor((n + 2p − k) / s) + 1. A conv layer "
        "reuses one small filter at every position (weight sharing), so its parameters are "
        "C_in·k·k·C_out plus one bias (or two batch-norm numbers) per channel, whatever the image "
        "size. The last column is what a fully connected layer mapping the same input to the same "
        f"output size would need: {arch.dense_params:,} parameters in all, {ratio:,.0f}x this "
        "network's. The receptive field is the patch of input pixels one output unit sees (it can "
        "exceed the image once padding is counted)."
    )
    show_code(cnn.architecture)


def make_slots(device: str) -> Slots:
    """Lay out the live sections (heading, placeholder, lesson, code) in page order."""
    status = st.empty()
    st.subheader("Loss and accuracy")
    overfit, loss = st.empty(), st.empty()
    st.caption(LESSONS["loss"])
    show_code(training.train)
    st.subheader("Gradient flow through conv and dense layers")
    grad_text = st.empty()
    left, right = st.columns(2)
    heatmap, lines = left.empty(), right.empty()
    sampled = (
        f" On the GPU the norms are sampled on up to {training.GPU_GRAD_SAMPLES} evenly spaced steps per "
        "epoch (each measurement is a kernel launch as costly as a small net's step)."
        if device != "cpu"
        else ""
    )
    st.caption(
        "Each conv layer's gradient is the norm over all its filters' weights. Batch norm and "
        "ReLU keep the flow even; try sigmoid without batch norm to watch the first conv layer "
        "starve. Norms are the mean over each epoch's steps, taken after backward(), before "
        "the optimiser step." + sampled
    )
    show_code(probes.GradNorms, insights.gradient_finding)
    st.subheader("Activations per layer")
    act = st.empty()
    st.caption(LESSONS["act"] + " Measured on a fixed sample of training images, once per epoch.")
    return Slots(status, overfit, loss, grad_text, heatmap, lines, None, act)


def _show01(split: ImageSplit, x: torch.Tensor) -> torch.Tensor:
    return image_data.unnormalize(x.unsqueeze(0), split.dataset)[0].clamp(0, 1)


def filters(history: History) -> None:
    """The first conv layer's filters as little images."""
    if not hasattr(history.model, "conv1"):
        st.info("This net has no conv layer (conv_layers = 0): it is the dense baseline.")
        return
    st.plotly_chart(cnn_charts.filters_figure(cnn_inspect.first_filters(history.model)), width="stretch")
    st.caption(
        "Each filter is the pattern its channel responds to most: an edge at some angle, a blob, "
        "a stroke end. They started as random noise; training shaped them."
    )


def feature_maps(history: History, split: ImageSplit) -> None:
    """Every channel after every stage of every conv block, for a validation image the user picks."""
    if not hasattr(history.model, "conv1"):
        return
    n, key = len(split.x_val), f"{PREFIX}.fm_index"
    if st.session_state.get(key, 0) > n - 1:  # a new run may have fewer validation images
        st.session_state[key] = n - 1
    i = st.number_input("Validation image", 0, n - 1, key=key, help=f"0 to {n - 1}")
    x = split.x_val[i]
    probs = cnn_inspect.predict(history.model, x.unsqueeze(0))[0]
    left, right = st.columns([1, 3])
    true = split.class_names[int(split.y_val[i])]
    left.plotly_chart(cnn_charts.image_figure(_show01(split, x), f"true: {true}"), width="stretch")
    right.plotly_chart(cnn_charts.probabilities_figure(probs, split.class_names), width="stretch")
    maps = cnn_inspect.feature_maps(history.model, x)
    stages = [f"{m.layer} after {m.stage}" for m in maps]
    picked = st.multiselect("Stages", stages, default=stages, key=f"{PREFIX}.fm_stages.{id(history)}")
    for m, label in zip(maps, stages):
        if label in picked:
            st.plotly_chart(cnn_charts.feature_maps_figure(m), width="stretch")
    st.caption(
        "Light = strong response (each map scaled to its own range). After the activation, ReLU "
        "zeroes the negative responses; max pooling keeps the strongest response in each 2x2 patch "
        "and average pooling their mean, halving the map. Deeper maps are smaller and respond to "
        "larger, more abstract patterns."
    )
    show_code(cnn_inspect.feature_maps)


def val_probabilities(history: History, split: ImageSplit) -> torch.Tensor:
    """The trained net's class probabilities on every validation image, computed once per run
    (every later rerun of the page, e.g. picking another image, reuses them)."""
    key, stamp = f"{PREFIX}.val_probs", (history.run_id, history.seconds, len(split.x_val))
    cached = st.session_state.get(key)
    if cached is None or cached[0] != stamp:
        cached = st.session_state[key] = (stamp, cnn_inspect.predict(history.model, split.x_val))
    return cached[1]


def mistakes(history: History, split: ImageSplit) -> None:
    """Confusion matrix and a gallery of the most confident mistakes on the validation images."""
    probs = val_probabilities(history, split)
    pred = probs.argmax(1)
    matrix = cnn_inspect.confusion_matrix(split.y_val, pred, split.n_classes)
    st.plotly_chart(cnn_charts.confusion_figure(matrix, split.class_names), width="stretch")
    wrong = cnn_inspect.misclassified(probs, split.y_val)
    n_wrong = int((pred != split.y_val).sum())
    st.markdown(f"**Misclassified: {n_wrong} of {len(pred)} validation images**, surest mistakes first")
    if wrong:
        imgs = image_data.unnormalize(split.x_val[[w[0] for w in wrong]], split.dataset).clamp(0, 1)
        cols = st.columns(8)
        for k, ((idx, t, p, conf), img) in enumerate(zip(wrong, imgs)):
            arr = (img.permute(1, 2, 0).numpy() * 255).astype(np.uint8)
            arr = arr[:, :, 0] if arr.shape[2] == 1 else arr
            cols[k % 8].image(
                arr, width=72, caption=f"#{idx}: {split.class_names[t]} → {split.class_names[p]} ({conf:.0%})"
            )
    show_code(cnn_inspect.confusion_matrix, cnn_inspect.misclassified)


def upload(history: History, split: ImageSplit) -> None:
    """The net's prediction, probabilities and feature maps for the user's own picture."""
    f = st.file_uploader(
        "Upload a picture (a digit you wrote on paper works for digits and MNIST)",
        type=["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"],
        key=f"{PREFIX}.upload",
    )
    if f is None:
        return
    try:
        loaded = load_image(f.getvalue(), f.name, max_side=1024)
    except ImageError as err:
        st.error(f"{f.name}: {err}")
        return
    for notice in loaded.notices:
        st.info(notice)
    shape = tuple(split.x_train.shape[1:])
    x01, steps = cnn_inspect.prepare_upload(loaded.rgb, shape)
    st.caption("Converted to the training images' format: " + "; ".join(steps) + ".")
    x = image_data.normalize(x01.unsqueeze(0), split.dataset)[0]
    probs = cnn_inspect.predict(history.model, x.unsqueeze(0))[0]
    best = int(probs.argmax())
    left, mid, right = st.columns([1, 1, 2])
    left.image(loaded.rgb, caption=f"{loaded.name} ({loaded.original_size[0]}x{loaded.original_size[1]})")
    mid.plotly_chart(cnn_charts.image_figure(x01, "what the net sees"), width="stretch")
    right.plotly_chart(cnn_charts.probabilities_figure(probs, split.class_names), width="stretch")
    st.success(f"Prediction: **{split.class_names[best]}** ({float(probs[best]):.0%})")
    if hasattr(history.model, "conv1"):
        for m in cnn_inspect.feature_maps(history.model, x):
            st.plotly_chart(cnn_charts.feature_maps_figure(m), width="stretch")
    show_code(cnn_inspect.prepare_upload)
