"""The lab's engine room: pure Python + torch + numpy, never streamlit (tests/core/test_boundaries.py).

Eight packages, each allowed to import only those below it in this table (the test derives the
rule from `core.LAYERS` / `ui.LAYERS` and fails on any other import between packages):

    base            i18n, the data folder, the allocator: plumbing every package uses
    contract        each lab's config (the public names) and the registries its fields name
    engine          training: the labs, models, the trainer and what it records, image data sets, devices
    runs            the run store: SQLite, one visitor's view, recording, export, comparisons, the gallery
    serving         a class on one server: the training service, worker processes, the line, the host's bounds
    imaging         pictures and convolution: loading, transforms, quality, kernels, their pages' state
    lessons         the course's lessons, by chapter: neuron, backprop, activations, depth, layers, history
    tensors_graphs  tensors, fx graphs, eager vs compiled, TensorFlow's words

`python -m core ...` is the CLI (core/__main__.py).
"""

# Package -> the packages it may import (besides itself). One table; tests/core/test_boundaries.py reads it.
LAYERS: dict[str, set[str]] = {
    "base": set(),
    "contract": {"base"},
    "engine": {"base", "contract"},
    "runs": {"base", "contract", "engine"},
    "serving": {"base", "contract", "engine"},
    "imaging": {"base", "contract"},
    "lessons": {"base", "contract", "engine"},
    "tensors_graphs": {"base", "contract", "engine"},
}
