"""The Streamlit side: the only code besides pages/ and dashboard.py that imports streamlit.

Six packages, a page's modules together; each imports core freely and, within ui, only the
packages its row names (tests/core/test_boundaries.py reads `LAYERS`):

    common          state (URL <-> widgets <-> config), language, navigation, plot, controls, Show
                    code, the public-mode visitor (its cookie)
    labs            the MLP and CNN labs: the live run, the training charts and views, each lab's own
    compare         Compare: the runs table, side by side, manage / export / import; the class board
    lessons         Neuron, Activations, History, Glossary
    imaging         Image basics and Convolution
    tensors_graphs  Tensors & graphs
"""

LAYERS: dict[str, set[str]] = {
    "common": set(),
    "labs": {"common"},
    "compare": {"common", "labs"},
    "lessons": {"common", "labs"},
    "imaging": {"common"},
    "tensors_graphs": {"common"},
}
