"""DATASETS and make_split: shapes, dtypes, labels, seeding and the train/validation split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.contract.datasets import DATASETS, Split, make_points, make_split

NAMES = sorted(DATASETS)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_labels(name):
    n = 200
    x, y = make_points(name, n, 0.1, seed=0)
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    k = DATASETS[name].n_classes
    assert k >= 2
    assert set(np.unique(y).tolist()) == set(range(k)), "every class present, no label out of range"
    assert np.isfinite(x).all()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_points(name):
    a = make_points(name, 150, 0.2, seed=7)
    b = make_points(name, 150, 0.2, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("name", NAMES)
def test_different_seed_different_points(name):
    a = make_points(name, 150, 0.2, seed=7)
    b = make_points(name, 150, 0.2, seed=8)
    assert not np.array_equal(a[0], b[0])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_free_points_lie_in_a_sane_box(name, seed):
    x, _ = make_points(name, 200, 0.0, seed=seed)
    assert np.abs(x).max() <= 1.5
    # not all squashed into a corner either: the points spread over the square
    assert x.std(0).min() > 0.2


@pytest.mark.parametrize("name", ["spiral", "xor", "moons"])
def test_noise_is_gaussian_with_the_given_std(name):
    clean_x, clean_y = make_points(name, 4000, 0.0, seed=3)
    noisy_x, noisy_y = make_points(name, 4000, 0.3, seed=3)
    np.testing.assert_array_equal(clean_y, noisy_y)  # noise moves points, never relabels them
    diff = (noisy_x - clean_x).astype(np.float64)
    assert diff.std() == pytest.approx(0.3, rel=0.05)
    assert abs(diff.mean()) < 0.03


def _rows(x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """(point, label) rows sorted lexicographically, for multiset comparison."""
    rows = np.column_stack([x.numpy().astype(np.float64), y.numpy().astype(np.float64)])
    return rows[np.lexsort(rows.T[::-1])]


@pytest.mark.parametrize(
    ("n", "val_fraction", "n_val"),
    [
        (200, 0.3, 60),
        (1000, 0.25, 250),
        (20, 0.05, 1),
        (20, 0.9, 18),
        (10, 0.01, 1),  # round(0.1) = 0 -> at least one validation point
        (2, 0.9, 1),  # round(1.8) = 2 -> at least one training point
        (3, 0.99, 2),
    ],
)
def test_make_split_sizes_and_partition(n, val_fraction, n_val):
    assert n_val == min(n - 1, max(1, round(n * val_fraction)))  # the rule the cases encode
    name = "blobs"
    s = make_split(name, n, 0.1, val_fraction, seed=4)
    assert isinstance(s, Split)
    assert s.n_classes == DATASETS[name].n_classes
    assert len(s.x_val) == len(s.y_val) == n_val
    assert len(s.x_train) == len(s.y_train) == n - n_val
    assert s.x_train.dtype == s.x_val.dtype == torch.float32
    assert s.y_train.dtype == s.y_val.dtype == torch.int64
    assert s.x_train.shape[1:] == s.x_val.shape[1:] == (2,)
    # train and validation are disjoint and together the whole set, labels travelling with points
    x, y = make_points(name, n, 0.1, seed=4)
    whole = _rows(torch.from_numpy(x), torch.from_numpy(y))
    both = _rows(torch.cat([s.x_train, s.x_val]), torch.cat([s.y_train, s.y_val]))
    np.testing.assert_array_equal(both, whole)
    train_set = {tuple(r) for r in _rows(s.x_train, s.y_train)}
    val_set = {tuple(r) for r in _rows(s.x_val, s.y_val)}
    assert not train_set & val_set


def test_make_split_is_seeded():
    a = make_split("spiral", 300, 0.1, 0.3, seed=5)
    b = make_split("spiral", 300, 0.1, 0.3, seed=5)
    c = make_split("spiral", 300, 0.1, 0.3, seed=6)
    for t in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(a, t), getattr(b, t))
    assert not torch.equal(a.x_val, c.x_val)
