"""<lab>_controls(): widgets that return a config, nothing else.

Each widget is built from the field's own metadata (label, help, choices or range), keyed
`<prefix>.<field>`, and reads its value from session state (filled by ui.state.sync_from_url),
so a share link, a preset and the widgets always agree.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.activations import ACTIVATIONS
from core.config import MLPConfig, field_specs
from core.datasets import DATASETS
from ui.state import read_config, widget_key

# Fields shown as a typed number rather than a slider: wide or logarithmic ranges.
TYPED = {"lr", "weight_decay", "seed", "batch_size", "n_samples"}
STEPS = {"noise": 0.01, "val_fraction": 0.05, "dropout": 0.05, "momentum": 0.01}
LABELS = {
    "dataset": lambda v: f"{v}: {DATASETS[v].blurb}",
    "activation": lambda v: f"{v} (max f' = {ACTIVATIONS[v].max_grad:g})",
    "init": lambda v: {
        "auto": "auto (He for ReLU-like, Xavier otherwise)",
        "default": "default (PyTorch)",
        "xavier": "Xavier / Glorot",
        "he": "He / Kaiming",
    }[v],
}


def field_widget(cls: type, prefix: str, name: str, disabled: bool = False) -> Any:
    """One widget for one config field, chosen from its type and domain."""
    spec = field_specs(cls)[name]
    key, label, help_ = widget_key(prefix, name), spec["label"], spec["help"]
    kind = spec["type"]
    if kind is bool:
        return st.toggle(label, key=key, help=help_, disabled=disabled)
    if kind is str:
        fmt = LABELS.get(name, str)
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
        st.markdown("**Data**")
        for name in ("dataset", "n_samples", "noise", "val_fraction", "seed"):
            field_widget(MLPConfig, prefix, name)
    with net:
        st.markdown("**Network**")
        for name in ("depth", "width", "activation", "init", "dropout"):
            field_widget(MLPConfig, prefix, name)
        field_widget(MLPConfig, prefix, "batch_norm")
        field_widget(MLPConfig, prefix, "residual")
    with opt:
        st.markdown("**Training**")
        field_widget(MLPConfig, prefix, "optimizer")
        sgd = st.session_state.get(widget_key(prefix, "optimizer")) == "sgd"
        for name in ("lr", "batch_size", "epochs", "weight_decay"):
            field_widget(MLPConfig, prefix, name)
        field_widget(MLPConfig, prefix, "momentum", disabled=not sgd)
    return read_config(MLPConfig, prefix)
