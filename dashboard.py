"""Home page: what the lab is, the path through the pages, one-click preset experiments."""

import streamlit as st

from core.presets import PRESETS

st.set_page_config(page_title="Deep-learning lab", page_icon="🧠", layout="wide")

st.title("Deep-learning lab")
st.markdown(
    "Set up a neural network, **train it for real** with PyTorch, and **watch what happens "
    "inside**: the gradient each layer receives, the training and validation curves, the "
    "decision boundary, the state of every activation. Every experiment is one link away: "
    "the address bar always holds the whole setup, seed included, so a link you share "
    "reproduces your run exactly."
)

st.header("Start with an experiment")
st.caption("Each opens the MLP lab set up; press **Train** there.")
cols = st.columns(3)
for i, preset in enumerate(PRESETS.values()):
    with cols[i % 3].container(border=True):
        st.markdown(f"**{preset.title}**")
        st.caption(preset.lesson)
        st.page_link(
            "pages/3_MLP_Lab.py",
            label="Open in the MLP lab",
            icon=":material/play_arrow:",
            query_params=preset.params(),
        )

st.header("The path through the lab")
PATH = [
    (
        "MLP lab",
        "pages/3_MLP_Lab.py",
        "Depth, width, activation, init, dropout, batch norm, optimiser; live loss curves, "
        "per-layer gradient flow (vanishing gradients), the decision boundary, activation "
        "statistics, weight and gradient distributions.",
    ),
]
NEXT = [
    ("Neuron", "weighted sum, activation, a perceptron, one backpropagation step by hand"),
    ("Activations", "sigmoid, tanh, ReLU and friends, their slopes, why sigmoid vanishes"),
    ("Image basics and Convolution", "pixels, bit depth, kernels, stride, padding, pooling"),
    ("Tensors and graphs", "tensors of any rank, the model's computation graph"),
    ("CNN lab", "train a convolutional net on digits and look at its filters"),
    ("Compare", "runs kept side by side, sweeps, export"),
]
for title, page, text in PATH:
    st.page_link(page, label=f"**{title}**: {text}", icon=":material/science:")
st.caption("In preparation: " + "; ".join(f"**{t}** ({d})" for t, d in NEXT) + ".")

st.divider()
st.caption(
    "Runs on the CPU with small nets, so every chart redraws live. Headless: "
    "`python -m core train --depth 10 --activation sigmoid --json run.json` runs the same "
    "config from a terminal."
)
