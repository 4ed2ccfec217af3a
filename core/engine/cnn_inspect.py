"""Looking inside a trained CNN: filters, feature maps, confusion matrix, mistakes, predictions.

Everything here runs the model in eval mode under no_grad and returns plain tensors or lists,
so the page only draws. Uploaded photos are turned into the data set's own format first
(`prepare_upload`): a digit photographed on white paper must become a light digit on a dark
background, centred the way the training images are, or the prediction means nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageFilter
from torch import Tensor, nn

from core.base.i18n import _

EVAL_CHUNK = 1024  # images per forward pass
WORK = 64  # px on the long side at which an uploaded object's strokes are measured
# Share of the object's box that is ink: about 0.3 in MNIST, more in the 8x8 digits, whose strokes
# are 2-3 of 8 pixels wide; thin pen strokes are thickened until they reach it.
INK = {"small": 0.4, "large": 0.25}


@dataclass(frozen=True)
class FeatureMap:
    """The output of one stage of one conv block for one image."""

    layer: str  # conv1
    stage: str  # conv, batch norm, activation, pool
    maps: Tensor  # (C, H, W) on the CPU


def first_filters(model: nn.Module) -> Tensor:
    """The first conv layer's filters (C_out, C_in, k, k) on the CPU."""
    return model.conv1.conv.weight.detach().cpu().clone()


@torch.no_grad()
def feature_maps(model: nn.Module, image: Tensor) -> list[FeatureMap]:
    """Every channel after every conv, batch norm, activation and pooling stage, for one image
    (C, H, W) (already normalised as the model's inputs are), input side first."""
    out: list[FeatureMap] = []
    handles = []
    for name, block in model.named_children():
        if not name.startswith("conv"):
            continue
        for stage, child in (
            ("conv", block.conv),
            ("batch norm", block.bn),
            ("activation", block.act),
            ("pool", block.pool),
        ):
            if isinstance(child, nn.Identity):
                continue

            def hook(_m: nn.Module, _i: tuple, y: Tensor, name: str = name, stage: str = stage) -> None:
                out.append(FeatureMap(name, stage, y[0].detach().cpu()))

            handles.append(child.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        model(image.unsqueeze(0).to(device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return out


@torch.no_grad()
def predict(model: nn.Module, x: Tensor) -> Tensor:
    """Class probabilities (N, classes) on the CPU for images x (N, C, H, W), in eval mode."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    probs = [
        torch.softmax(model(x[i : i + EVAL_CHUNK].to(device)), 1).cpu() for i in range(0, len(x), EVAL_CHUNK)
    ]
    model.train(was_training)
    return torch.cat(probs) if probs else torch.empty(0)


def confusion_matrix(y_true: Tensor, y_pred: Tensor, n_classes: int) -> Tensor:
    """Counts (n_classes, n_classes): row = true class, column = predicted class."""
    flat = y_true.long() * n_classes + y_pred.long()
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def misclassified(probs: Tensor, y_true: Tensor, limit: int = 24) -> list[tuple[int, int, int, float]]:
    """The wrong predictions the net was surest of: (index, true, predicted, its probability)."""
    conf, pred = probs.max(1)
    wrong = (pred != y_true).nonzero().flatten()
    order = wrong[conf[wrong].argsort(descending=True)][:limit]
    return [(int(i), int(y_true[i]), int(pred[i]), float(conf[i])) for i in order]


def prepare_upload(
    rgb: np.ndarray, shape: tuple[int, int, int], dark_background: bool = True
) -> tuple[Tensor, list[str]]:
    """A photo (H, W, 3) uint8 as an image of `shape` (C, H, W) with values in [0, 1], and the
    steps taken, in words.

    Grayscale sets (digits, MNIST, Fashion-MNIST: light object on black): to gray, invert when the
    border is lighter than the middle (ink on paper), crop to the object, thicken thin strokes,
    then frame it as the set does (MNIST: fitted in 20x20, centre of mass at the centre of 28x28;
    digits: the object fills the height of 8x8). Colour sets (CIFAR-10): centre-crop to a square
    and resize.
    """
    c, h, w = shape
    steps: list[str] = []
    img = Image.fromarray(rgb)
    if c == 3:
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((w, h), Image.Resampling.LANCZOS)
        steps.append(_("centre-cropped to {side}x{side} and resized to {w}x{h}").format(side=side, w=w, h=h))
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)
        return x.contiguous(), steps
    gray = np.asarray(img.convert("L"), dtype=np.float32) / 255  # (H, W) in [0, 1]
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if dark_background and border.mean() > gray.mean():
        gray = 1 - gray
        steps.append(_("inverted (the training images are light on a dark background)"))
    lo, hi = np.percentile(gray, 1), gray.max()
    gray = np.clip((gray - lo) / (hi - lo), 0, 1) if hi - lo > 1e-3 else np.zeros_like(gray)
    ys, xs = np.nonzero(gray > 0.25)
    if len(ys):
        gray = gray[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        steps.append(_("cropped to the object ({w}x{h} pixels)").format(w=gray.shape[1], h=gray.shape[0]))
    # Work at 64 px on the long side: pen strokes on a photo are far thinner, relative to the
    # digit, than the training images' strokes (about a tenth of the height); thicken them.
    scale = WORK / max(gray.shape)
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
    work = Image.fromarray((gray * 255).astype(np.uint8)).resize(size, Image.Resampling.BOX)
    grown = 0
    ink = INK["small" if h < 16 else "large"]
    while len(ys) and (np.asarray(work) > 127).mean() < ink and grown < 8:
        work, grown = work.filter(ImageFilter.MaxFilter(3)), grown + 1
    if grown:
        text = _("strokes thickened by {n} pixel(s) at {work} px to match the training images")
        steps.append(text.format(n=grown, work=WORK))
    gray = np.asarray(work, dtype=np.float32) / 255
    small = _mass_centred(gray, h, w, steps) if h >= 16 else _filled(gray, h, w, steps)
    x = torch.from_numpy(small)[None]
    return x.contiguous(), steps


def _peak_to_one(a: np.ndarray) -> np.ndarray:
    return a / a.max() if a.max() > 0 else a


def _resized(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-averaged resize of a [0, 1] image to (width, height)."""
    img = Image.fromarray((gray * 255).astype(np.uint8)).resize(size, Image.Resampling.BOX)
    return np.asarray(img, dtype=np.float32) / 255


def _mass_centred(gray: np.ndarray, h: int, w: int, steps: list[str]) -> np.ndarray:
    """MNIST's framing: the object fitted in a (20/28)-sized box, then shifted so its centre of
    mass sits at the centre of the frame (measured on MNIST: (14, 14) in 28x28)."""
    inner = round(20 * h / 28)
    scale = inner / max(gray.shape)
    small = _peak_to_one(
        _resized(gray, (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale))))
    )
    gh, gw = small.shape
    mass = small.sum()
    rows, cols = np.arange(gh), np.arange(gw)
    cy = (small.sum(1) @ rows) / mass if mass else (gh - 1) / 2
    cx = (small.sum(0) @ cols) / mass if mass else (gw - 1) / 2
    top = int(np.clip(round(h / 2 - cy), 0, h - gh))
    left = int(np.clip(round(w / 2 - cx), 0, w - gw))
    out = np.zeros((h, w), np.float32)
    out[top : top + gh, left : left + gw] = small
    text = _(
        "fitted in {inner}x{inner}, centre of mass moved to the centre of {w}x{h}, brightest pixel set to 1"
    )
    steps.append(text.format(inner=inner, w=w, h=h))
    return out


def _filled(gray: np.ndarray, h: int, w: int, steps: list[str]) -> np.ndarray:
    """The 8x8 digits' framing: centred on a square that the object fills, averaged down."""
    side = max(gray.shape)
    canvas = np.zeros((side, side), np.float32)
    top, left = (side - gray.shape[0]) // 2, (side - gray.shape[1]) // 2
    canvas[top : top + gray.shape[0], left : left + gray.shape[1]] = gray
    steps.append(
        _("centred on a square it fills, averaged down to {w}x{h}, brightest pixel set to 1").format(w=w, h=h)
    )
    return _peak_to_one(_resized(canvas, (w, h)))
