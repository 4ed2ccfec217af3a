"""<lab>_controls(): widgets that return a config, nothing else.

Each widget is built from the field's own metadata (label, help, choices or range), keyed
`<prefix>.<field>`, and reads its value from session state (filled by ui.common.state.sync_from_url),
so a share link, a preset and the widgets always agree.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.base.i18n import N_, _
from core.contract.activations import ACTIVATIONS
from core.contract.config import CNNConfig, MLPConfig, field_specs
from core.contract.datasets import DATASETS
from ui.common.state import read_config, widget_key

IMAGE_LABELS = {
    "digits": N_("digits: 8x8 handwritten digits (built in)"),
    "mnist": N_("mnist: 28x28 handwritten digits"),
    "fashion_mnist": N_("fashion_mnist: 28x28 clothes"),
    "cifar10": N_("cifar10: 32x32 colour photos"),
}

# Fields shown as a typed number rather than a slider: wide or logarithmic ranges.
TYPED = {"lr", "weight_decay", "seed", "batch_size", "n_samples", "n_train", "dense_width"}
STEPS = {"noise": 0.01, "val_fraction": 0.05, "dropout": 0.05, "momentum": 0.01}
INIT_LABELS = {
    "auto": N_("auto (He for ReLU-like, Xavier otherwise)"),
    "default": N_("default (PyTorch)"),
    "xavier": N_("Xavier / Glorot"),
    "he": N_("He / Kaiming"),
}
LABELS = {
    "dataset": lambda v: f"{v}: {_(DATASETS[v].blurb)}" if v in DATASETS else _(IMAGE_LABELS.get(v, v)),
    "activation": lambda v: _("{name} (max f' = {value:g})").format(name=v, value=ACTIVATIONS[v].max_grad),
    "compare": lambda v: _("none") if v == "none" else LABELS["activation"](v),
    "init": lambda v: _(INIT_LABELS[v]),
}


def choice_label(value: object) -> str:
    """An option as the page shows it: the value itself (a key of the contract), except "none",
    which is a word and says so in the page's language."""
    return _("none") if value == "none" else str(value)


def label_of(spec: dict) -> str:
    """A config field's label in the page's language (marked with N_() where it is declared)."""
    text = spec["label"]  # a variable: the extractor takes only literals inside _()
    return _(text)


def help_of(spec: dict) -> str:
    """A config field's help line in the page's language."""
    text = spec["help"]
    return _(text)


def field_widget(cls: type, prefix: str, name: str, disabled: bool = False) -> Any:
    """One widget for one config field, chosen from its type and domain."""
    spec = field_specs(cls)[name]
    key, label, help_ = widget_key(prefix, name), label_of(spec), help_of(spec)
    kind = spec["type"]
    if kind is bool:
        return st.toggle(label, key=key, help=help_, disabled=disabled)
    if kind is str and "parse" in spec:  # free text checked by the field's own rule
        return st.text_input(label, key=key, help=help_, disabled=disabled)
    if kind is str:
        fmt = LABELS.get(name, choice_label)
        return st.selectbox(label, spec["choices"], key=key, help=help_, format_func=fmt, disabled=disabled)
    lo, hi = spec["min"], spec["max"]
    if name in TYPED:
        if kind is int:
            return st.number_input(label, int(lo), int(hi), step=1, key=key, help=help_, disabled=disabled)
        return st.number_input(
            label,
            float(lo),
            float(hi),
            format="%g",
            key=key,
            help=help_,
            step=float(lo) if lo > 0 else 0.0001,
            disabled=disabled,
        )
    if kind is int:
        return st.slider(label, int(lo), int(hi), step=1, key=key, help=help_, disabled=disabled)
    return st.slider(
        label, float(lo), float(hi), step=STEPS.get(name, 0.01), key=key, help=help_, disabled=disabled
    )


def mlp_controls(prefix: str = "mlp") -> MLPConfig:
    """Every MLPConfig field as a widget, grouped as data / network / training."""
    data, net, opt = st.columns(3, gap="large")
    with data:
        st.markdown(_("**Data**"))
        for name in ("dataset", "n_samples", "noise", "val_fraction", "seed"):
            field_widget(MLPConfig, prefix, name)
    with net:
        st.markdown(_("**Network**"))
        for name in ("depth", "width", "activation", "init", "dropout"):
            field_widget(MLPConfig, prefix, name)
        field_widget(MLPConfig, prefix, "batch_norm")
        field_widget(MLPConfig, prefix, "residual")
    with opt:
        st.markdown(_("**Training**"))
        field_widget(MLPConfig, prefix, "optimizer")
        sgd = st.session_state.get(widget_key(prefix, "optimizer")) == "sgd"
        for name in ("lr", "batch_size", "epochs", "weight_decay"):
            field_widget(MLPConfig, prefix, name)
        field_widget(MLPConfig, prefix, "momentum", disabled=not sgd)
    return read_config(MLPConfig, prefix)


PADDINGS = ("same", "0", "1", "2", "3")


def cnn_controls(prefix: str = "cnn") -> CNNConfig:
    """Every CNNConfig field as a widget, grouped as data / convolutions / dense head and training."""
    data, conv, opt = st.columns(3, gap="large")
    with data:
        st.markdown(_("**Data**"))
        for name in ("dataset", "n_train", "val_fraction", "seed"):
            field_widget(CNNConfig, prefix, name)
    with conv:
        st.markdown(_("**Convolutions**"))
        for name in ("conv_layers", "channels", "kernel_size", "stride"):
            field_widget(CNNConfig, prefix, name)
        spec = field_specs(CNNConfig)["padding"]
        st.selectbox(label_of(spec), PADDINGS, key=widget_key(prefix, "padding"), help=help_of(spec))
        for name in ("pool", "activation", "init", "batch_norm"):
            field_widget(CNNConfig, prefix, name)
    with opt:
        st.markdown(_("**Dense head and training**"))
        for name in ("dense_width", "dropout", "optimizer"):
            field_widget(CNNConfig, prefix, name)
        sgd = st.session_state.get(widget_key(prefix, "optimizer")) == "sgd"
        for name in ("lr", "lr_schedule", "batch_size", "epochs", "weight_decay"):
            field_widget(CNNConfig, prefix, name)
        field_widget(CNNConfig, prefix, "momentum", disabled=not sgd)
    return read_config(CNNConfig, prefix)
