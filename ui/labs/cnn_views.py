"""The CNN lab's views: the layer table, the live training views, and what the trained net learned
(filters, feature maps, confusion matrix, mistakes, a prediction on the user's own picture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core.base.i18n import N_, _
from core.base.paths import datasets_dir
from core.engine import cnn, cnn_inspect, image_data, training
from core.engine.cnn import Architecture
from core.engine.image_data import ImageSplit
from core.engine.training import History
from core.imaging.imageio import ImageError, load_image
from ui.common.code import show_code
from ui.labs import cnn_charts, training_views
from ui.labs.training_views import Slots

PREFIX = "cnn"
STAGES = {  # what each stage's output is called
    "conv": N_("{layer}: feature maps after the convolution"),
    "batch norm": N_("{layer}: after batch norm"),
    "activation": N_("{layer}: activation maps (the feature maps after the activation)"),
    "pool": N_("{layer}: after pooling"),
}


def classes(split: ImageSplit) -> list[str]:
    """The data set's class names in the page's language (digits stay digits)."""
    return [_(name) for name in split.class_names]


def stage_label(layer: str, stage: str) -> str:
    """'conv1: activation maps (...)': the name of one stage's output."""
    return _(STAGES[stage]).format(layer=layer)


def layer_table(arch: Architecture, shape: tuple[int, int, int]) -> None:
    """Each layer's output shape, parameters and receptive field, next to a dense layer's cost."""
    cols = [_("layer"), _("type"), _("output shape"), _("parameters"), _("receptive field"),
            _("dense layer, same sizes")]  # fmt: skip

    def field(r) -> str:
        return f"{r.receptive_field}x{r.receptive_field}" if r.receptive_field else _("whole image")

    rows = [
        [r.name, r.kind, " x ".join(map(str, r.shape)), r.params, field(r), r.dense_params] for r in arch.rows
    ]
    rows.append([_("total"), "", "", arch.params, "", arch.dense_params])
    number = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        pd.DataFrame(rows, columns=cols),
        hide_index=True,
        width="stretch",
        column_config={cols[1]: st.column_config.TextColumn(width="large"), cols[3]: number, cols[5]: number},
    )
    c, h, w = shape
    ratio = arch.dense_params / max(arch.params, 1)
    st.caption(
        _(
            "Input {c} x {h} x {w}. Output size per side: floor((n + 2p − k) / s) + 1. A conv layer "
            "reuses one small filter at every position (weight sharing), so its parameters are "
            "C_in·k·k·C_out plus one bias (or two batch-norm numbers) per channel, whatever the image "
            "size. The last column is what a fully connected layer mapping the same input to the same "
            "output size would need: {dense:,} parameters in all, {ratio:,.0f}x this network's. The "
            "receptive field is the patch of input pixels one output unit sees (it can exceed the "
            "image once padding is counted)."
        ).format(c=c, h=h, w=w, dense=arch.dense_params, ratio=ratio)
    )
    show_code(cnn.architecture)


def make_slots(device: str) -> Slots:
    """The CNN lab's live sections in page order (the shared training views)."""
    sampled = (
        _(
            " On the GPU each measurement is a kernel launch as costly as a small net's step: an epoch "
            "of more than 31 steps is measured on {k} to 31 evenly spaced ones, as on the CPU."
        ).format(k=training.GRAD_SAMPLES)
        if device != "cpu"
        else ""
    )
    note = _(
        "Each conv layer's gradient is taken over all its filters' weights. Batch norm and ReLU keep "
        "the flow even; try sigmoid without batch norm to watch the first conv layer starve."
    )
    return training_views.make_slots(
        PREFIX,
        grad_title=_("Gradient flow through conv and dense layers"),
        grad_note=note + sampled,
        act_note=_("Measured on a fixed sample of training images, once per epoch."),
    )


def _show01(split: ImageSplit, x: torch.Tensor) -> torch.Tensor:
    return image_data.unnormalize(x.unsqueeze(0), split.dataset)[0].clamp(0, 1)


def filters(history: History) -> None:
    """The first conv layer's filters as little images."""
    model = history.net()
    if not hasattr(model, "conv1"):
        st.info(_("This net has no conv layer (conv_layers = 0): it is the dense baseline."))
        return
    st.plotly_chart(cnn_charts.filters_figure(cnn_inspect.first_filters(model)), width="stretch")
    st.caption(
        _(
            "Each filter is a small grid of weights; its channel responds most to the pattern it "
            "draws (an edge at some angle, a blob, a stroke end). They started as random noise; "
            "training shaped them."
        )
    )


def feature_maps(history: History, split: ImageSplit) -> None:
    """Every channel after every stage of every conv block, for a validation image the user picks."""
    model = history.net()
    if not hasattr(model, "conv1"):
        return
    n, key = len(split.x_val), f"{PREFIX}.fm_index"
    if st.session_state.get(key, 0) > n - 1:  # a new run may have fewer validation images
        st.session_state[key] = n - 1
    i = st.number_input(_("Validation image"), 0, n - 1, key=key, help=_("0 to {n}").format(n=n - 1))
    x = split.x_val[i]
    probs = cnn_inspect.predict(model, x.unsqueeze(0))[0]
    left, right = st.columns([1, 3])
    true = classes(split)[int(split.y_val[i])]
    left.plotly_chart(
        cnn_charts.image_figure(_show01(split, x), _("true: {label}").format(label=true)), width="stretch"
    )
    right.plotly_chart(cnn_charts.probabilities_figure(probs, classes(split)), width="stretch")
    maps = cnn_inspect.feature_maps(model, x)
    stages = [stage_label(m.layer, m.stage) for m in maps]
    picked = st.multiselect(_("Stages"), stages, default=stages, key=f"{PREFIX}.fm_stages.{id(history)}")
    for m, label in zip(maps, stages):
        if label in picked:
            st.plotly_chart(cnn_charts.feature_maps_figure(m, label), width="stretch")
    st.caption(
        _(
            "A **feature map** is one channel's output over the image: light = strong response (each "
            "map scaled to its own range). The maps after the activation are the **activation maps**: "
            "ReLU zeroes the negative responses there. Max pooling keeps the strongest response in "
            "each 2x2 patch and average pooling their mean, halving the map. Deeper maps are smaller "
            "and respond to larger, more abstract patterns."
        )
    )
    show_code(cnn_inspect.feature_maps)


def val_probabilities(history: History, split: ImageSplit) -> torch.Tensor:
    """The trained net's class probabilities on every validation image, computed once per run
    (every later rerun of the page, e.g. picking another image, reuses them)."""
    key, stamp = f"{PREFIX}.val_probs", (history.run_id, history.seconds, len(split.x_val))
    cached = st.session_state.get(key)
    if cached is None or cached[0] != stamp:
        cached = st.session_state[key] = (stamp, cnn_inspect.predict(history.net(), split.x_val))
    return cached[1]


def mistakes(history: History, split: ImageSplit) -> None:
    """Confusion matrix and a gallery of the most confident mistakes on the validation images."""
    probs = val_probabilities(history, split)
    pred = probs.argmax(1)
    matrix = cnn_inspect.confusion_matrix(split.y_val, pred, split.n_classes)
    st.plotly_chart(cnn_charts.confusion_figure(matrix, classes(split)), width="stretch")
    wrong = cnn_inspect.misclassified(probs, split.y_val)
    n_wrong = int((pred != split.y_val).sum())
    st.markdown(
        _("**Misclassified: {wrong} of {n} validation images**, surest mistakes first").format(
            wrong=n_wrong, n=len(pred)
        )
    )
    if wrong:
        imgs = image_data.unnormalize(split.x_val[[w[0] for w in wrong]], split.dataset).clamp(0, 1)
        cols = st.columns(8)
        for k, ((idx, t, p, conf), img) in enumerate(zip(wrong, imgs)):
            arr = (img.permute(1, 2, 0).numpy() * 255).astype(np.uint8)
            arr = arr[:, :, 0] if arr.shape[2] == 1 else arr
            cols[k % 8].image(
                arr, width=72, caption=f"#{idx}: {classes(split)[t]} → {classes(split)[p]} ({conf:.0%})"
            )
    show_code(cnn_inspect.confusion_matrix, cnn_inspect.misclassified)


def upload(history: History, split: ImageSplit) -> None:
    """The net's prediction, probabilities and feature maps for the user's own picture."""
    f = st.file_uploader(
        _("Upload a picture (a digit you wrote on paper works for digits and MNIST)"),
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
    st.caption(_("Converted to the training images' format: {steps}.").format(steps="; ".join(steps)))
    x = image_data.normalize(x01.unsqueeze(0), split.dataset)[0]
    model = history.net()
    probs = cnn_inspect.predict(model, x.unsqueeze(0))[0]
    best = int(probs.argmax())
    left, mid, right = st.columns([1, 1, 2])
    left.image(loaded.rgb, caption=f"{loaded.name} ({loaded.original_size[0]}x{loaded.original_size[1]})")
    mid.plotly_chart(cnn_charts.image_figure(x01, _("what the net sees")), width="stretch")
    right.plotly_chart(cnn_charts.probabilities_figure(probs, classes(split)), width="stretch")
    st.success(
        _("Prediction: **{label}** ({p:.0%})").format(label=classes(split)[best], p=float(probs[best]))
    )
    if hasattr(model, "conv1"):
        for m in cnn_inspect.feature_maps(model, x):
            st.plotly_chart(cnn_charts.feature_maps_figure(m, stage_label(m.layer, m.stage)), width="stretch")
    show_code(cnn_inspect.prepare_upload)


def ensure_dataset(prefix: str, downloads: bool) -> None:
    """Before the widgets: fetch the chosen image set when it is not on disk (with a progress
    bar), or say why it cannot be had and switch the choice to the built-in digits."""
    failed: dict[str, str] = st.session_state.setdefault(f"{prefix}._failed_downloads", {})
    wanted = st.session_state[f"{prefix}.dataset"]
    if image_data.IMAGE_DATASETS[wanted].embedded or image_data.is_available(wanted):
        return
    if not downloads:
        failed[wanted] = _(
            "{name} is not on this server's disk, and this shared server does not download image "
            "sets (the host can copy the files into {folder} or set LAB_DOWNLOADS=1)."
        ).format(name=wanted, folder=datasets_dir())
    elif wanted not in failed:
        label = _("Downloading {name} into {folder} ...").format(name=wanted, folder=datasets_dir())
        bar = st.progress(0.0, text=label)
        got = image_data.load_images(
            wanted, 100, 0.2, 0, download=True, progress=lambda text, f: bar.progress(min(f, 1.0), text=text)
        )
        bar.empty()
        if got.dataset != wanted:
            failed[wanted] = got.notice
    if wanted in failed:
        st.error(failed[wanted] + " " + _("Training on the built-in digits instead."), icon="📦")
        if downloads and st.button(_("Try downloading {name} again").format(name=wanted)):
            failed.pop(wanted)
            st.rerun()
        st.session_state[f"{prefix}.dataset"] = "digits"  # before the widget exists: allowed


def about(split: ImageSplit, shape: tuple[int, ...], device: str) -> str:
    """One line on the data and the device, beside the Train button."""
    where = (
        _("the GPU ({name})").format(name=torch.cuda.get_device_name(0))
        if device == "cuda"
        else _("the CPU (no GPU found)")
    )
    return _(
        "{n_train:,} training and {n_val:,} validation images of {shape} from {source}; training on "
        "{where}. Downloaded sets live in {folder} (set {env} to move them)."
    ).format(
        n_train=len(split.x_train),
        n_val=len(split.x_val),
        shape=" x ".join(map(str, shape)),
        source=split.source,
        where=where,
        folder=datasets_dir(),
        env=image_data.ENV_VAR,
    )


def kept_run_link(history: History) -> None:
    """Where the run is kept, linking to Compare."""
    if history.run_id is not None:
        st.page_link(
            "pages/8_Compare.py",
            label=_("Kept as run #{id}: compare it with other runs").format(id=history.run_id),
            icon=":material/compare_arrows:",
        )
