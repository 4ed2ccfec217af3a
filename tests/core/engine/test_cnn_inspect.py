"""cnn_inspect against independent computations: feature maps by a hand-run forward, probabilities by
softmax, the confusion matrix by scikit-learn, mistakes by a loop, uploads drawn with PIL."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from torch import nn

from core.contract.config import CNNConfig
from core.engine import cnn_inspect
from core.engine.cnn import build_cnn
from core.engine.cnn_inspect import (
    confusion_matrix,
    feature_maps,
    first_filters,
    misclassified,
    predict,
    prepare_upload,
)

G = torch.Generator().manual_seed(0)


def trained_like(cfg: CNNConfig, shape=(1, 8, 8)) -> nn.Sequential:
    """A model whose batch norm has non-trivial running statistics (eval differs from train mode)."""
    model = build_cnn(cfg, shape)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, *shape, generator=G) * 2 + 0.5)
    return model


def manual_stages(model: nn.Sequential, image: torch.Tensor) -> list[tuple[str, str, torch.Tensor]]:
    """Each conv block's stages run by hand in eval mode, skipping the Identity ones."""
    model.eval()
    out = []
    x = image.unsqueeze(0)
    with torch.no_grad():
        for name, block in model.named_children():
            if not name.startswith("conv"):
                continue
            for stage, module in (("conv", block.conv), ("batch norm", block.bn), ("activation", block.act),
                                  ("pool", block.pool)):  # fmt: skip
                if isinstance(module, nn.Identity):
                    continue
                x = module(x)
                out.append((name, stage, x[0].clone()))
    return out


@pytest.mark.parametrize(
    "kw, stages",
    [
        ({}, ["conv", "batch norm", "activation", "pool"] * 2),
        ({"batch_norm": False, "pool": "none"}, ["conv", "activation"] * 2),
        ({"conv_layers": 3, "channels": "4,6,8", "pool": "avg", "activation": "tanh"},
         ["conv", "batch norm", "activation", "pool"] * 3),
        ({"conv_layers": 1, "channels": "5", "activation": "linear"}, ["conv", "batch norm", "pool"]),
    ],
)  # fmt: skip
def test_feature_maps_equal_a_hand_run_forward(kw, stages):
    model = trained_like(CNNConfig(**kw))
    image = torch.randn(1, 8, 8, generator=G)
    model.train()  # the call must use eval mode (running statistics) and then put training back
    got = feature_maps(model, image)
    assert model.training
    want = manual_stages(model, image)
    assert [m.stage for m in got] == stages
    assert [(m.layer, m.stage) for m in got] == [(n, s) for n, s, _ in want]
    for m, (_, _, ref) in zip(got, want):
        assert m.maps.shape == ref.shape
        torch.testing.assert_close(m.maps, ref, rtol=0, atol=1e-6)
    # batch norm on batch statistics would differ: the hooks really saw an eval-mode pass
    if "batch norm" in stages:
        model.train()
        with torch.no_grad():
            train_bn = model.conv1.bn(model.conv1.conv(torch.stack([image, -image])))[0]
        assert not torch.allclose(train_bn, got[1].maps, atol=1e-3)


def test_feature_maps_leave_no_hooks_behind():
    model = trained_like(CNNConfig())
    feature_maps(model, torch.randn(1, 8, 8, generator=G))
    assert all(not m._forward_hooks for m in model.modules())
    assert len(feature_maps(model, torch.randn(1, 8, 8, generator=G))) == 8  # not doubled


def test_feature_maps_of_a_dense_baseline_are_empty():
    model = build_cnn(CNNConfig(conv_layers=0, channels=""), (1, 8, 8))
    assert feature_maps(model, torch.zeros(1, 8, 8)) == []


def test_first_filters_are_conv1_weights_copied():
    model = build_cnn(CNNConfig(channels="6,4", kernel_size=5), (3, 32, 32))
    f = first_filters(model)
    assert f.shape == (6, 3, 5, 5)
    assert torch.equal(f, model.conv1.conv.weight.detach())
    f.zero_()
    assert model.conv1.conv.weight.abs().sum() > 0  # a copy: drawing it cannot change the net


def test_predict_is_softmax_in_eval_mode_and_chunks_agree(monkeypatch):
    model = trained_like(CNNConfig(dropout=0.5, dense_width=16))
    x = torch.randn(37, 1, 8, 8, generator=G)
    model.train()
    p = predict(model, x)
    assert model.training  # restored
    assert p.shape == (37, 10)
    torch.testing.assert_close(p.sum(1), torch.ones(37))
    model.eval()
    with torch.no_grad():
        ref = torch.softmax(model(x), dim=1)
    torch.testing.assert_close(p, ref, rtol=0, atol=1e-6)
    monkeypatch.setattr(cnn_inspect, "EVAL_CHUNK", 5)  # 8 chunks, the last one of 2
    torch.testing.assert_close(predict(model, x), p, rtol=0, atol=1e-6)
    assert predict(model, x[:0]).numel() == 0


@pytest.mark.parametrize("n_classes, n", [(10, 500), (3, 40), (10, 1)])
def test_confusion_matrix_is_sklearns(n_classes, n):
    rng = np.random.default_rng(n)
    y_true, y_pred = rng.integers(0, n_classes, n), rng.integers(0, n_classes, n)
    got = confusion_matrix(torch.from_numpy(y_true), torch.from_numpy(y_pred), n_classes)
    want = sk_confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))
    assert got.shape == (n_classes, n_classes)
    np.testing.assert_array_equal(got.numpy(), want)  # row = true, column = predicted


def test_misclassified_only_wrong_ones_surest_first():
    logits = torch.randn(200, 10, generator=G) * 3
    probs = torch.softmax(logits, 1)
    y = torch.randint(0, 10, (200,), generator=G)
    wrong_ref = []
    for i in range(200):  # by hand
        p = probs[i].tolist()
        best = max(range(10), key=lambda c: p[c])
        if best != int(y[i]):
            wrong_ref.append((i, int(y[i]), best, p[best]))
    wrong_ref.sort(key=lambda t: -t[3])
    got = misclassified(probs, y, limit=1000)
    assert [(i, t, p) for i, t, p, _ in got] == [(i, t, p) for i, t, p, _ in wrong_ref]
    assert [c for *_, c in got] == pytest.approx([c for *_, c in wrong_ref])
    assert all(t != p for _, t, p, _ in got)
    assert misclassified(probs, y, limit=7) == got[:7]
    assert misclassified(torch.eye(10), torch.arange(10)) == []  # all right: nothing to show


# --------------------------------------------------------------------------------------- uploads
def drawn_digit(
    size=(300, 200), box=(30, 20, 130, 170), ink=(20, 20, 30), paper=(245, 240, 235)
) -> np.ndarray:
    """A dark ring (a hand-drawn 0) on light paper, off-centre, as a phone photo would be."""
    img = Image.new("RGB", size, paper)
    ImageDraw.Draw(img).ellipse(box, outline=ink, width=14)
    return np.asarray(img)


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(img.shape)
    total = img.sum()
    return float((ys * img).sum() / total), float((xs * img).sum() / total)


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 8, 8)])
def test_dark_digit_on_white_becomes_a_centred_light_digit(shape):
    x, steps = prepare_upload(drawn_digit(), shape)
    assert x.shape == shape and x.dtype == torch.float32
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    img = x[0].numpy()
    h = shape[1]
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    # a light digit on black, as the training images are
    assert img.max() > 0.5 and border.mean() < img[1:-1, 1:-1].mean()
    assert max(img[0, 0], img[0, -1], img[-1, 0], img[-1, -1]) < 0.05
    assert img[:, 0].max() < 0.05 and img[:, -1].max() < 0.05  # the ring is taller than wide
    if h == 28:  # MNIST keeps a black frame; the 8x8 digits fill their height, so this may touch it
        assert border.max() < 0.05
    cy, cx = centre_of_mass(img)
    centre = (h - 1) / 2
    assert abs(cy - centre) < 0.06 * h and abs(cx - centre) < 0.06 * h
    assert any("invert" in s for s in steps)
    # the digit fills a central box with a margin (MNIST: about 20 of 28 pixels)
    rows = np.nonzero(img.max(1) > 0.25)[0]
    assert rows.max() - rows.min() + 1 >= 0.6 * h


def test_a_light_digit_on_black_is_not_inverted():
    light = drawn_digit(ink=(250, 250, 250), paper=(0, 0, 0))
    x, steps = prepare_upload(light, (1, 28, 28))
    assert not any("invert" in s for s in steps)
    img = x[0].numpy()
    assert img[0].max() < 0.05 and img.max() > 0.9


def test_rgb_photo_for_cifar_is_centre_cropped_colour():
    # 300 x 100: green | (red | blue) | green; the centre square is the red/blue middle third
    rgb = np.zeros((100, 300, 3), np.uint8)
    rgb[:, :100] = rgb[:, 200:] = (0, 200, 0)
    rgb[:, 100:150] = (255, 0, 0)
    rgb[:, 150:200] = (0, 0, 255)
    x, _ = prepare_upload(rgb, (3, 32, 32))
    assert x.shape == (3, 32, 32) and 0 <= float(x.min()) and float(x.max()) <= 1
    r, g, b = x.numpy()
    assert g.max() < 0.05  # no green: the sides were cropped away
    assert r[:, :14].min() > 0.95 and b[:, :14].max() < 0.05
    assert b[:, 18:].min() > 0.95 and r[:, 18:].max() < 0.05


@pytest.mark.parametrize("value", [0, 255, 128])
@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 8, 8), (3, 32, 32)])
def test_a_blank_picture_does_not_crash(value, shape):
    x, steps = prepare_upload(np.full((50, 70, 3), value, np.uint8), shape)
    assert x.shape == shape and torch.isfinite(x).all()
    assert 0 <= float(x.min()) and float(x.max()) <= 1 and steps


def test_tiny_and_tall_uploads_keep_the_shape():
    for rgb in (np.full((1, 1, 3), 9, np.uint8), drawn_digit(size=(20, 600), box=(2, 100, 18, 400))):
        x, _ = prepare_upload(rgb, (1, 28, 28))
        assert x.shape == (1, 28, 28) and torch.isfinite(x).all()


def drawn_seven() -> np.ndarray:
    """A dark 7 on white: its ink is mostly at the top, so its centre of mass is above its box's centre."""
    img = Image.new("RGB", (300, 300), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.line([(60, 50), (200, 50)], fill=(0, 0, 0), width=16)
    draw.line([(200, 50), (110, 260)], fill=(0, 0, 0), width=16)
    return np.asarray(img)


def test_upload_for_mnist_is_centred_by_centre_of_mass_as_mnist_is():
    # MNIST's digits were placed so that their centre of mass is at the centre of the 28x28 field
    # (LeCun et al.); measured on the real t10k set here: (14.0, 14.0) +- 0.3 px, for the 7s too.
    x, _ = prepare_upload(drawn_seven(), (1, 28, 28))
    cy, cx = centre_of_mass(x[0].numpy())
    assert abs(cy - 14.0) < 1.0 and abs(cx - 14.0) < 1.0, (cy, cx)
