"""Home page: what the lab is, the path through the pages, one-click preset experiments."""

from pathlib import Path

import streamlit as st

from core.base.i18n import N_, _
from core.contract.presets import PRESETS
from ui.common import state

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("Deep-learning lab"), page_icon="🧠", layout="wide")

st.title(_("Deep-learning lab"))
st.markdown(
    _(
        "Set up a neural network, **train it for real** with PyTorch, and **watch what happens "
        "inside**: the gradient each layer receives, the training and validation curves, the "
        "decision boundary, the state of every activation. Every experiment is one link away: "
        "the address bar always holds the whole setup, seed included. Open a shared link and "
        "press **Train**: on the CPU you get the same run, with the same data, initial weights, "
        "batch order and dropout masks, so the same curves to the last digit. A CNN trained on a "
        "GPU can differ in the last digits, because GPU kernels are not bit-for-bit deterministic."
    )
)

st.header(_("Start with an experiment"))
st.caption(_("Each opens the MLP lab set up; press **Train** there."))
cols = st.columns(3)
for i, preset in enumerate(PRESETS.values()):
    with cols[i % 3].container(border=True):
        st.markdown(f"**{_(preset.title)}**")
        st.caption(_(preset.lesson))
        st.page_link(
            "pages/3_MLP_Lab.py",
            label=_("Open in the MLP lab"),
            icon=":material/play_arrow:",
            query_params=preset.params(),
        )

st.header(_("The path through the lab"))
st.caption(
    _("From the first threshold units to a convolutional net: each page builds on the ones before it.")
)
PATH = [
    (
        N_("History"),
        "pages/0_History.py",
        N_("from threshold units (1943) to deep learning, one step at a time, each to try here"),
    ),
    (
        N_("Neuron"),
        "pages/1_Neuron.py",
        N_("weighted sum, activation, a perceptron, one backpropagation step by hand"),
    ),
    (
        N_("Activations"),
        "pages/2_Activations.py",
        N_("sigmoid, tanh, ReLU and friends, their slopes, why sigmoid vanishes"),
    ),
    (
        N_("MLP lab"),
        "pages/3_MLP_Lab.py",
        N_("train an MLP on 2-D points: live curves, gradient flow, decision boundary"),
    ),
    (
        N_("Image basics"),
        "pages/4_Image_Basics.py",
        N_("pixels, bit depth, resolution, transforms, compression"),
    ),
    (
        N_("Tensors and graphs"),
        "pages/5_Tensors_Graphs.py",
        N_("tensors of any rank, the model's computation graph"),
    ),
    (
        N_("Convolution"),
        "pages/6_Convolution.py",
        N_("kernels, stride, padding, pooling, one output cell by hand"),
    ),
    (
        N_("CNN lab"),
        "pages/7_CNN_Lab.py",
        N_("train a convolutional net on digits, look at its filters and feature maps"),
    ),
    (N_("Compare"), "pages/8_Compare.py", N_("runs kept side by side, sweeps, export")),
    (
        N_("Class board"),
        "pages/10_Class_Board.py",
        N_("the whole class's published runs on one chart, grouped by the knob that differs"),
    ),
    (
        N_("Glossary"),
        "pages/9_Glossary.py",
        N_("every term in Korean and English, with the page that shows it"),
    ),
]
ROOT = Path(__file__).resolve().parent
for step, (title, page, text) in enumerate(PATH, start=1):
    line = _("{step}. **{title}**: {text}").format(step=step, title=_(title), text=_(text))
    if (ROOT / page).exists():
        st.page_link(page, label=line, icon=":material/school:")
    else:
        st.markdown(":gray[" + _("{line} (in preparation)").format(line=line) + "]")

st.divider()
st.caption(
    _(
        "The MLP lab trains small nets on the CPU, so every chart redraws live; the CNN lab uses a "
        "GPU when torch finds one. Headless: {command} runs the same config from a terminal."
    ).format(command="`python -m core train --depth 10 --activation sigmoid --json run.json`")
)
