"""What a page rendered in Korean still says in English: the check behind test_korean_pages.py.

`leftovers(at)` walks every element an AppTest run produced (main area and sidebar) and reads
the text a learner sees: markdown, captions, headings, alerts, LaTeX \\text{} parts, widget
labels, help lines, options and placeholders, metrics, page links, expander and tab labels,
dataframe headers and string cells, and each plotly figure's titles, axis titles, annotations,
legend names, trace text and hover templates (from the figure JSON). An element type it does not
know is reported too, so a new kind of element cannot slip past unread.

In each text it drops what stays as it is in every language: code spans, $math$, URLs, plotly
%{placeholders}, HTML tags, a quoted value echoed back ('abc'), and tokens that are code or
maths (a digit or `_` inside, a call `max(`, an attribute `.df`, dL/dp, single letters such as
x, z, f', acronyms such as XOR or GPU). It also drops a short bracketed English
gloss right after Korean, the textbook convention 기울기 소실(vanishing gradient), and a source
line (출처: ...), whose titles stay in their original language. Every English word left that is
not in the allowlist below is reported with the text it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import fields

from core.base.i18n import _, language, set_language
from core.contract.activations import ACTIVATIONS
from core.contract.config import CNNConfig, MLPConfig, field_specs
from core.contract.datasets import DATASETS
from core.engine.devices import devices
from core.imaging.conv_lessons import ConvView
from core.imaging.image_lessons import ImageBasicsView
from core.imaging.image_samples import SAMPLES
from core.imaging.kernels import KERNELS
from core.lessons import backprop, neuron
from core.lessons.activation_lessons import ActivationsView
from ui.common.lang import PICKER

# Names that stay in English in a Korean textbook too: techniques, models, libraries, people's
# names used as the name of a method (He init), acronyms written with lower case letters.
TERMS = {
    "ReLU", "GELU", "ELU", "Leaky", "PyTorch", "torch", "autograd", "numpy", "plotly", "fx",
    "MNIST", "Fashion-MNIST", "CIFAR-10", "ImageNet", "AlexNet", "LeNet", "U-Net", "R-CNN",
    "TensorBoard", "SQLite", "Xavier", "Glorot", "He", "Kaiming", "Adam", "tanh", "softplus",
    "sigmoid", "TensorFlow", "Pillow", "scikit-learn", "WebP", "Frobenius", "Paeth", "Inductor",
    "TorchDynamo", "TorchInductor",
    # units and values of code that a Korean page shows as they are
    "dB", "px", "MB", "KB", "MiB", "GiB", "dtype", "Cb", "Cr", "id", "mlp", "cnn",
    # torch and torch.fx names on the graph pages: parameter names, node kinds, the logits
    "weight", "bias", "logits", "placeholder", "call_module", "call_function", "call_method",
    "get_attr", "output", "input", "reshape", "permute", "view", "arange", "contiguous",
    # the layers' public names (layer1, conv2 carry a digit): the classifier
    "out",
    # more names that stay: the language, TensorFlow's API words, torch ops, devices, a value
    "Python", "GraphModule", "Session", "Keras", "Apple", "fetch", "trainable", "matmul", "add",
    "mul", "cpu", "same",
    # parameters written as symbols in formulas and labels (σ is spelled out as sigma in places)
    "sigma", "gamma", "amount",
    # torch modules in the CNN's layer table, and its layers' public names
    "BatchNorm", "MaxPool", "AvgPool", "Flatten", "Linear", "Dropout", "pool", "flatten",
}  # fmt: skip
CONFIGS = (MLPConfig, CNNConfig, ActivationsView, ImageBasicsView, ConvView)
# Keys a learner sees as values (options, links, notices): they never translate. A plain word
# that always gets a translated label on screen ("none") is not one of them.
VALUES = (
    {str(c) for cls in CONFIGS for spec in field_specs(cls).values() for c in spec.get("choices", ())}
    | set(ACTIVATIONS)
    | set(DATASETS)
    | set(neuron.PERCEPTRON_SETS)
    | set(backprop.HIDDEN)
    | set(backprop.LOSSES)
    | set(SAMPLES)
    | set(KERNELS)
) - {"none", "gradient"}  # "gradient" (a sample's name) is an English word: only as a key
FIELDS = {f.name for cls in CONFIGS for f in fields(cls)} | {"gradient"}  # only as a key: "depth: ..."
# The devices torch sees are named as their makers name them ("Intel(R) Xeon(R) Processor"): the
# Tensors page lists this machine's, so their words are names here whatever the machine.
DEVICE_WORDS = {w.lower() for d in devices() for w in re.findall(r"[A-Za-z]+", d.name)}
ALLOWED = {t.lower() for t in TERMS} | {v.lower() for v in VALUES} | DEVICE_WORDS
METRICS = {"val_acc", "val_loss", "train_acc", "train_loss"}
CASED = {"None", "True", "False", "NaN"}  # Python's and IEEE's own words, only as written

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PLOTLY_TEXT = {"text", "name", "hovertemplate", "hovertext", "ticktext", "texttemplate", "label", "title"}
_DROP = [
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$]*\$"),  # inline math
    re.compile(r"https?://\S+"),
    re.compile(r"\]\([^)\s]*\)"),  # a markdown link's target: [label](/MLP_Lab?lang=ko)
    re.compile(r"%\{[^}]*\}"),  # plotly hover placeholders
    re.compile(r"<[^>]+>"),  # HTML tags in hover text and annotations
    re.compile(r":material/[a-z_]+:"),
    re.compile(r":[a-z]+\["),  # Streamlit's :gray[...] colour markup (the text inside stays)
    re.compile(r"(?<![A-Za-z])'[^'\s][^']*'"),  # a quoted value echoed back: 'abc' (not the f' of f'(x))
]
# A bracketed gloss right after Korean text (markdown emphasis between), at most 8 English words.
_GLOSS = re.compile(r"(?<=[\uac00-\ud7a3])(\*\*|\*|』|」)?\(([^()]*)\)")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_'’-]*")


def _without_glosses(text: str) -> str:
    def drop(m: re.Match) -> str:
        short = len(re.findall(r"[A-Za-z]+", m.group(2))) <= 8  # a gloss, not an English sentence
        return (m.group(1) or "") if short else m.group(0)

    return _GLOSS.sub(drop, text)


def english_words(text: str) -> list[str]:
    """The English words of `text` that a Korean page should not show (see the module doc)."""
    for pattern in _DROP:
        text = pattern.sub(" ", text)
    text = _without_glosses(text.replace("**", ""))
    found = []
    for m in _TOKEN.finditer(text):
        word, after = m.group(0).strip("'’-"), text[m.end() : m.end() + 1]
        before = text[m.start() - 1 : m.start()] if m.start() else ""
        if len(word) <= 1 or any(c.isdigit() or c == "_" for c in word):
            continue  # x, z, f', w1, b1_1, top-5: variables and code
        attribute = after == "." and text[m.end() + 1 : m.end() + 2].isalpha()
        if (after and after in "([/") or before in ("/", ".") or attribute:
            continue  # max(0, z), ACTIVATIONS[...].df, torch.nn, dL/dp: code and maths
        if word.isupper() or re.fullmatch(r"[A-Z0-9-]+", word):
            continue  # acronyms: XOR, AND, GPU, SGD, LSTM, DQN
        if word.lower() in ALLOWED or word in CASED or (word in FIELDS and after in (":", "=")):
            continue
        found.append(word)
    return found


def _latex_text(source: str) -> str:
    return " ".join(re.findall(r"\\text\{([^{}]*)\}", source))


def _plotly_texts(node, key: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("bdata", "dtype", "template"):
                continue
            yield from _plotly_texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _plotly_texts(v, key)
    elif isinstance(node, str) and key in PLOTLY_TEXT:
        yield node


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


SILENT = {"divider", "space", "empty", "image", "code", "json", "html", "exception", "container"}
SILENT |= {"vertical", "horizontal", "column", "flex_container", "grid_container", "form", "dialog"}


def texts(at) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the run shows; ('unknown element', type) for what it cannot read."""
    for node in _walk(at._tree):
        kind, proto = getattr(node, "type", "?"), getattr(node, "proto", None)
        if getattr(node, "key", None) == PICKER:
            continue  # 한국어 / English: each language named in itself, on purpose
        if kind in ("main", "sidebar", "event", "bottom", "root", "unknown") and proto is None:
            continue
        if kind in ("markdown", "caption", "title", "header", "subheader", "text"):
            yield kind, node.value
        elif kind == "latex":
            yield kind, _latex_text(node.value)
        elif kind in ("error", "warning", "info", "success", "toast"):
            yield kind, node.value
        elif kind == "metric":
            yield kind, f"{proto.label} {proto.body} {proto.help}"
        elif kind == "page_link":
            yield kind, f"{proto.label} {proto.help}"
        elif kind == "progress":
            yield kind, proto.text
        elif kind == "dataframe":
            df = node.value
            cells = [c for col in df.columns for c in df[col] if isinstance(c, str)]
            yield kind, " ".join(map(str, [*df.columns, *df.index, *cells]))
        elif kind == "plotly_chart":
            for t in _plotly_texts(json.loads(proto.spec)):
                yield kind, t
        elif kind == "tab_container":
            continue  # its tabs are read one by one (their labels, below)
        elif kind in ("expander", "status", "tab", "popover"):
            yield kind, node.label
        elif hasattr(proto, "label") and kind not in SILENT:  # every widget
            parts = [proto.label, getattr(proto, "help", ""), getattr(proto, "placeholder", "")]
            parts += list(getattr(proto, "options", []))
            yield kind, " ".join(p for p in parts if isinstance(p, str))
        elif kind not in SILENT:
            yield "unknown element", kind


def source_prefix() -> str:
    """How a History source line starts in the current language ("출처: ")."""
    return _("Source: {source}").split("{source}")[0]


def leftovers(at, lang: str = "ko", keep: frozenset[str] = frozenset()) -> list[str]:
    """Every text of the run with English left in it, as 'where: text -> words'; `keep` names
    English words this one page shows on purpose (the Glossary's English column)."""
    before = language()
    set_language(lang)
    try:
        prefix = source_prefix()
    finally:
        set_language(before)
    found = []
    for where, text in texts(at):
        if where == "unknown element":
            found.append(f"{where}: {text} (teach tests/app/leftover_english.py to read it)")
            continue
        if where == "caption" and text.startswith(prefix):
            continue  # a source: its titles stay as published
        words = [w for w in english_words(text) if w not in keep]
        if where == "dataframe":  # a table's headers and cells name config fields and metrics as keys
            words = [w for w in words if w not in FIELDS and w not in METRICS]
        if words:
            found.append(f"{where}: {text[:160]!r} -> {words}")
    return found


def has_hangul(text: str) -> bool:
    return bool(HANGUL.search(text))
