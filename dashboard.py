"""Home page: what the lab is, the path through the pages, one-click preset experiments."""

from pathlib import Path

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
st.caption("From one neuron to a convolutional net: each page builds on the ones before it.")
PATH = [
    (
        "Neuron",
        "pages/1_Neuron.py",
        "weighted sum, activation, a perceptron, one backpropagation step by hand",
    ),
    (
        "Activations",
        "pages/2_Activations.py",
        "sigmoid, tanh, ReLU and friends, their slopes, why sigmoid vanishes",
    ),
    (
        "MLP lab",
        "pages/3_MLP_Lab.py",
        "train an MLP on 2-D points: live curves, gradient flow, decision boundary",
    ),
    ("Image basics", "pages/4_Image_Basics.py", "pixels, bit depth, resolution, transforms, compression"),
    ("Tensors and graphs", "pages/5_Tensors_Graphs.py", "tensors of any rank, the model's computation graph"),
    ("Convolution", "pages/6_Convolution.py", "kernels, stride, padding, pooling, one output cell by hand"),
    (
        "CNN lab",
        "pages/7_CNN_Lab.py",
        "train a convolutional net on digits, look at its filters and feature maps",
    ),
    ("Compare", "pages/8_Compare.py", "runs kept side by side, sweeps, export"),
]
ROOT = Path(__file__).resolve().parent
for step, (title, page, text) in enumerate(PATH, start=1):
    if (ROOT / page).exists():
        st.page_link(page, label=f"{step}. **{title}**: {text}", icon=":material/school:")
    else:
        st.markdown(f":gray[{step}. **{title}**: {text} (in preparation)]")

st.divider()
st.caption(
    "Runs on the CPU with small nets, so every chart redraws live. Headless: "
    "`python -m core train --depth 10 --activation sigmoid --json run.json` runs the same "
    "config from a terminal."
)
